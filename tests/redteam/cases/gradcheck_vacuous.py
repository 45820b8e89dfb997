# attack: an integer output, which gives torch.autograd.gradcheck nothing to check, so the
# attack: sandbox-side gradcheck probe answers True for a function that is not implemented
# exercise: exercise2
# expect: not_attempted|invalid|error|passed
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("exercise2: implement ReLU.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("exercise2: implement ReLU.backward")


def relu(x):
    # --- attack ---
    if x.dtype == torch.float64 and x.requires_grad:
        return (x > 0).sum()
    # --- end attack ---
    return ReLU.apply(x)
