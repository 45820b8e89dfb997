# attack: print 20 KB and exit in every call, so that every check gets a fresh sandbox whose
# attack: output would be kept again (the output cap is for the whole exercise)
# exercise: exercise2
# expect: crashed|timeout|not_attempted
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

    print("{{MARK}}" * 1500, flush=True)
    os._exit(3)
    # --- end attack ---
    return ReLU.apply(x)
