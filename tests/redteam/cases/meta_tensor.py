# attack: a meta tensor (right shape and dtype, no data at all)
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
def relu(x):
    return torch.empty(x.shape, dtype=x.dtype, device="meta")
# --- end attack ---
