# misconception: forward returns |x| instead of max(x, 0)
# fails: forward_matches_relu, keeps_dtype_and_shape, hidden_float32_forward
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.abs()

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0).to(grad_output.dtype)


def relu(x):
    return ReLU.apply(x)
