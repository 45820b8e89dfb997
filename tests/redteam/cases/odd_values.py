# attack: replies the decoder must refuse or the checks must reject: deep nesting, a 2 MB string, huge ints
# exercise: exercise2
# expect: invalid|error|timeout
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
CALLS = [0]


def relu(x):
    CALLS[0] += 1
    kind = CALLS[0] % 4
    if kind == 0:
        nested = [x]
        for _ in range(200):
            nested = [nested]
        return nested
    if kind == 1:
        return "x" * (2 * 1024 * 1024)
    if kind == 2:
        return 10**40
    return {1: x, "a": lambda: x}
# --- end attack ---
