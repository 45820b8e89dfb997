# attack: reach the PID namespace's init (PID 1): signal it, write its memory, ptrace it, read it
# exercise: exercise2
# expect: not_attempted
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("exercise2: implement ReLU.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("exercise2: implement ReLU.backward")


def relu(x):
    return ReLU.apply(x)


# --- attack ---
import ctypes
import os
import signal

reached = []
for number in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP, signal.SIGINT):
    try:
        os.kill(1, number)
    except OSError:
        continue
for item, mode in (("mem", "r+b"), ("mem", "rb"), ("environ", "rb"), ("maps", "rb")):
    try:
        with open(f"/proc/1/{item}", mode) as handle:
            handle.read(1)
        reached.append(f"/proc/1/{item} {mode}")
    except OSError:
        pass
try:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, 1, None, None) == 0:  # PTRACE_ATTACH
        reached.append("ptrace")
except (OSError, AttributeError):
    pass
try:
    fds = os.listdir("/proc/1/fd")
    reached.append(f"fds {fds}")
except OSError:
    pass
if reached:  # the import fails, and so does every check: the case's expectation says why
    raise RuntimeError(f"PID 1 reachable: {reached}")
# --- end attack ---
