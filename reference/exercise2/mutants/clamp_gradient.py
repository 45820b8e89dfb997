# misconception: lets autograd differentiate clamp inside backward, whose gradient at 0 is 1
# fails: gradient_at_zero_is_zero, hidden_random_batch_with_zeros
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with torch.enable_grad():
            leaf = x.detach().requires_grad_(True)
            (local,) = torch.autograd.grad(leaf.clamp(min=0).sum(), leaf)
        return grad_output * local


def relu(x):
    return ReLU.apply(x)
