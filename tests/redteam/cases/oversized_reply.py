# attack: a reply far over the frame cap (a 24-million-element tensor, about 96 MB)
# exercise: exercise2
# expect: invalid|memory|error|timeout
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
    return torch.zeros(24 * 1024 * 1024, dtype=torch.float32)
# --- end attack ---
