# attack: sys.exit(0) at import, hoping a zero exit status reads as success
# exercise: exercise2
# expect: error
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
import sys

sys.exit(0)
# --- end attack ---
