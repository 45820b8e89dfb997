"""A correct exercise2 that saves a float mask on ctx (not the input), forward as x * mask,
and a helper for the mask; no type hints."""

import torch


def positive_mask(x):
    return (x > 0).to(x.dtype)


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        mask = positive_mask(x)
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad_output):
        (mask,) = ctx.saved_tensors
        return grad_output * mask.to(grad_output.dtype)


def relu(x):
    return ReLU.apply(x)
