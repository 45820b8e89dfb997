# attack: a double-forked daemon in a new session that would outlive the run
# exercise: exercise2
# expect: not_attempted
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
    summon()
    # --- end attack ---
    return ReLU.apply(x)


# --- attack ---
import ctypes
import os
import signal
import time


def summon():
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            ctypes.CDLL(None).prctl(15, b"{{MARK}}", 0, 0, 0)
            for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                signal.signal(number, signal.SIG_IGN)
            signal.alarm(60)  # a bound of its own, should the sandbox fail to end it
            os.write(write_end, b"up")
            while True:
                time.sleep(1)
        os._exit(0)
    print("daemon", os.read(read_end, 2).decode(), flush=True)


summon()
# --- end attack ---
