# attack: a wrong backward (ignores the upstream gradient) plus torch.autograd.gradcheck and
# attack: torch.allclose patched at import, so that the sandbox-side gradcheck probe says True
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
        return (x > 0).to(grad_output.dtype)


def relu(x):
    return ReLU.apply(x)


# --- attack ---
import torch.autograd.gradcheck as gradcheck_module

torch.autograd.gradcheck = lambda *a, **k: True
gradcheck_module.gradcheck = lambda *a, **k: True
torch.allclose = lambda *a, **k: True
# --- end attack ---
