# attack: allocate (and touch) far more memory than the limit
# exercise: exercise2
# expect: memory|timeout
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
    hoard = []
    for _ in range(64):
        hoard.append(bytearray(256 * 1024 * 1024))
    # --- end attack ---
    return ReLU.apply(x)
