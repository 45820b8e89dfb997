# attack: backward modifies grad_output in place; inside the backward probe the real reply is
# attack: rewritten as it is sent, `upstream_after` replaced by the request's own upstream tensor
# exercise: exercise2
# expect: passed|failed
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad_output[x <= 0] = 0
        return grad_output


def relu(x):
    # --- attack ---
    request = _serving("backward")
    if request is not None:
        upstream = request.args[1].clone()
        _edit_next_reply(lambda r: {**r, "value": {**r["value"], "upstream_after": upstream}})
    # --- end attack ---
    return ReLU.apply(x)

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
