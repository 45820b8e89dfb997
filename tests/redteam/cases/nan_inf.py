# attack: NaN where the answer is wrong (relu'(0) taken as 1): NaN compares unequal to everything,
# attack: so a sloppy "difference > tolerance" test lets it through; Inf in the forward's output
# exercise: exercise2
# expect: passed|failed
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = x.clamp(min=0)
        # --- attack ---
        out = torch.where(x == 0, torch.full_like(out, float("inf")), out)
        # --- end attack ---
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad = grad_output * (x >= 0).to(grad_output.dtype)
        # --- attack ---
        grad = torch.where(x == 0, torch.full_like(grad, float("nan")), grad)
        # --- end attack ---
        return grad


def relu(x):
    return ReLU.apply(x)
