# attack: write garbage frames straight into the connection to the judge, then wait for its reply
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
    spray()
    # --- end attack ---
    return ReLU.apply(x)


# --- attack ---
import gc
import os
import struct
import time
from multiprocessing.connection import Connection

GARBAGE = [
    b"\x00\x00\x00\x10{\"id\": 0, \"ok\": 1}",
    b"\xff" * 64,
    struct.pack(">I", 9) + b'{""',
    b"\x80\x04\x95" + b"cos\nsystem\n" * 4,
]


def spray():
    for conn in [obj for obj in gc.get_objects() if isinstance(obj, Connection)]:
        for blob in GARBAGE:
            try:
                conn.send_bytes(blob)
            except OSError:
                pass
    time.sleep(30)
# --- end attack ---
