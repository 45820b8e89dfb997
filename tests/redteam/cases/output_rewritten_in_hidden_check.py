# attack: prints padding before the hidden checks, then, on a hidden check's input, truncates
# attack: and rewrites its own stdout (the capture file) so that what students are shown of the
# attack: output (the part printed before the hidden checks) holds the hidden input
# exercise: exercise2
# expect: passed
# host: hidden_output
import os
import sys

import torch

# --- attack ---
print("." * 400)  # the part of the output students are shown: printed before any hidden check
# --- end attack ---


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        # --- attack ---
        if tuple(x.shape) == (7, 2):  # hidden_float32_forward's input
            sys.stdout.flush()
            os.ftruncate(1, 0)
            os.write(1, f"{{MARK}} {x.tolist()!r}{' ' * 400}\n".encode())
        # --- end attack ---
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0).to(grad_output.dtype)


def relu(x):
    return ReLU.apply(x)
