# attack: send well-formed replies of its own first, for the ids the judge will use, claiming success
# exercise: exercise2
# expect: invalid|failed|error|timeout
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
    forge_replies()
    # --- end attack ---
    return ReLU.apply(x)


# --- attack ---
import gc
from multiprocessing.connection import Connection

from grader.wire.protocol import encode


def forge_replies():
    for conn in [obj for obj in gc.get_objects() if isinstance(obj, Connection)]:
        for rid in range(12):
            for value in ("passed", True, {"grad": None, "upstream_changed": False, "status": "passed"}):
                try:
                    conn.send_bytes(encode({"id": rid, "ok": True, "value": value}))
                except OSError:
                    pass


forge_replies()
# --- end attack ---
