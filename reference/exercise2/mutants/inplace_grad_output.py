# misconception: zeroes grad_output in place instead of making a new tensor
# fails: grad_output_left_unchanged
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
