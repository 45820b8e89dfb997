# attack: takes a write lease on its own stdout (the capture file the judge reads), so that the
# attack: judge's open() of it would block for the kernel's lease-break time (45 s) at each read
# exercise: exercise2
# expect: passed
# host: lease_refused
import fcntl
import signal

import torch

# --- attack ---
F_SETLEASE = 1024
signal.signal(signal.SIGIO, signal.SIG_IGN)  # the lease break does not end the sandbox
try:
    fcntl.fcntl(1, F_SETLEASE, fcntl.F_WRLCK)
    print("lease taken")
except OSError as exc:
    print(f"lease refused: {exc}")
# --- end attack ---


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0).to(grad_output.dtype)


def relu(x):
    return ReLU.apply(x)
