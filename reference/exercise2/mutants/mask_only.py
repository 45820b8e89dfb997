# misconception: returns the local derivative relu'(x) and ignores the upstream gradient
# fails: backward_multiplies_upstream, gradient_at_zero_is_zero, hidden_random_batch_with_zeros
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
