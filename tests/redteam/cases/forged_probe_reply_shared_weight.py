# attack: shared_weight_grads uses autograd; inside the backward-pass probe it rewrites the real
# attack: reply on its way out (a patched Connection._send_bytes) so the counts read zero
# exercise: exercise5
# expect: passed|failed
import torch


def shared_weight_grads(x1, w1, y):
    # --- attack ---
    if _serving("backward_passes"):
        _edit_next_reply(lambda r: {**r, "value": {k: 0 if type(v) is int else v for k, v in r["value"].items()}})
    # --- end attack ---
    up = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    low = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    o = torch.sigmoid(up * x1) * torch.tanh(low * x1)
    upper, lower = torch.autograd.grad((y - o) ** 2, (up, low))
    return upper.item(), lower.item(), upper.item() + lower.item()


def shared_weight_autograd(x1, w1, y):
    return shared_weight_grads(x1, w1, y)[2]

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
