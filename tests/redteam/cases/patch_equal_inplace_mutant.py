# attack: backward modifies grad_output in place, and torch.equal is patched so that the
# attack: sandbox-side probe reports grad_output as unchanged
# exercise: exercise2
# expect: passed|failed
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad_output[x <= 0] = 0
        return grad_output


def relu(x):
    return ReLU.apply(x)


# --- attack ---
torch.equal = lambda *a, **k: True
# --- end attack ---
