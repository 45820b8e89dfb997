# attack: announce a 60 MB frame, send ten bytes of it, then stall (the judge must not block forever)
# exercise: exercise2
# expect: invalid|timeout
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
    stall()
    # --- end attack ---
    return ReLU.apply(x)


# --- attack ---
import gc
import os
import struct
import time
from multiprocessing.connection import Connection


def stall():
    for conn in [obj for obj in gc.get_objects() if isinstance(obj, Connection)]:
        try:
            os.write(conn.fileno(), struct.pack("!i", 60 * 1024 * 1024) + b"0123456789")
        except OSError:
            pass
    while True:
        time.sleep(1)
# --- end attack ---
