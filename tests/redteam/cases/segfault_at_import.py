# attack: a segfault through ctypes at import (writing to address 0)
# exercise: exercise2
# expect: crashed
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
import ctypes

ctypes.memset(0, 1, 8)
# --- end attack ---
