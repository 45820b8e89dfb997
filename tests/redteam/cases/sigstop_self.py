# attack: SIGSTOP to itself inside the graded function (a stopped process never answers)
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
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSTOP)
    # --- end attack ---
    return ReLU.apply(x)
