# misconception: forward may zero the negatives of its input in place (relu(x) is right, x is not)
# fails: forward_matches_relu
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        # student: save memory, zero the negatives in place
        x[x < 0] = 0
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0)


def relu(x):
    return ReLU.apply(x)
