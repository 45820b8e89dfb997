# attack: the loss is computed outside autograd (it cannot backpropagate); inside the gradient
# attack: probes the reply is rewritten to say the loss is connected, with a made-up gradient
# exercise: exercise9
# expect: passed|failed|invalid
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
import math

import torch
import torch.nn.functional as F


def multiclass_loss(logits, y, reduction="mean"):
    # --- attack ---
    if _serving("logits_gradient"):
        _edit_next_reply(
            lambda r: {**r, "value": {"connected": True, "grad": torch.zeros(logits.shape)}}
        )
    # --- end attack ---
    rows = logits.tolist()
    losses = [
        math.log(sum(math.exp(v) for v in row)) - row[int(t)]
        for row, t in zip(rows, y.tolist(), strict=True)
    ]
    out = torch.tensor(losses, dtype=logits.dtype)
    if reduction == "none":
        return out
    return out.sum() if reduction == "sum" else out.mean()


def binary_loss(logits, y):
    # --- attack ---
    if _serving("binary_gradient"):
        _edit_next_reply(lambda r: {**r, "value": {"connected": False, "grad": None}})
    # --- end attack ---
    return F.binary_cross_entropy_with_logits(logits, y)


# --- attack ---
import sys
from multiprocessing.connection import Connection

from grader.wire.protocol import decode, encode


def _serving(name):
    """The judge's request being served, if it is the probe or call `name` (the loop's frame)."""
    frame = sys._getframe(1)
    while frame is not None:
        request = frame.f_locals.get("request")
        if getattr(request, "name", None) == name:
            return request
        frame = frame.f_back
    return None


def _edit_next_reply(edit):
    """Rewrite the next frame the sandbox sends (the real reply) with `edit`, once."""
    send = Connection._send_bytes
    if getattr(send, "forge", None) is None:
        send.forge = (decode, encode, edit, send.__code__)
        send.__code__ = _edited.__code__


def _edited(self, buf):
    f = Connection._send_bytes
    decode_, encode_, edit, code = f.forge
    f.__code__, f.forge = code, None
    return f(self, encode_(edit(decode_(bytes(buf)))))
# --- end attack ---
