# attack: os._exit(0) inside the graded function
# exercise: exercise2
# expect: crashed|timeout
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
    import os

    os._exit(0)
    # --- end attack ---
    return ReLU.apply(x)
