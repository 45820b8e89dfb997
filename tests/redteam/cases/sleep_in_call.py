# attack: time.sleep in the graded function (no CPU used, so only a wall-clock limit stops it)
# exercise: exercise2
# expect: timeout
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
    import time

    time.sleep(3600)
    # --- end attack ---
    return ReLU.apply(x)
