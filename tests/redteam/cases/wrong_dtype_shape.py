# attack: answers of the wrong dtype and shape (a short vector, a transposed int64 matrix, a bool gradient)
# exercise: exercise2
# expect: invalid|error|failed
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("exercise2: implement ReLU.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("exercise2: implement ReLU.backward")



def relu(x):
    return ReLU.apply(x)


# --- attack ---
class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)[:-1] if x.dim() == 1 else x.clamp(min=0).to(torch.int64).T.contiguous()

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return torch.ones(x.numel() + 1, dtype=torch.bool)
# --- end attack ---
