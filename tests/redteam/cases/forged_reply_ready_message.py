# attack: graph_manual, inside every request that calls it, rewrites the real reply as it is sent
# attack: into a sandbox-ready message claiming every isolation layer
# exercise: exercise1
# limits: total_s=20
# expect: passed|invalid|timeout
"""exercise1 reference: the graph a = relu(w*x + b) by autograd and by the chain rule."""

from __future__ import annotations

import torch


def graph_autograd(x: float, w: float, b: float) -> tuple[float, dict[str, float]]:
    """a = relu(w*x + b) and (da/dx, da/dw, da/db) from one torch.autograd.grad call."""
    xt, wt, bt = (torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b))
    u = wt * xt
    v = u + bt
    a = torch.relu(v)
    da_dx, da_dw, da_db = torch.autograd.grad(a, (xt, wt, bt))
    return a.item(), {"x": da_dx.item(), "w": da_dw.item(), "b": da_db.item()}


def graph_manual(x: float, w: float, b: float) -> tuple[float, dict[str, float]]:
    # --- attack ---
    if _serving("graph_manual") or _serving("backward_passes") or _serving("called_twice"):
        _edit_next_reply(lambda r: {"ready": True, "layers": {"network": True, "landlock": True}, "notes": {}, "pid": 1})
    # --- end attack ---
    """The same, multiplying local derivatives backwards through the graph."""
    u = w * x
    v = u + b
    a = v if v > 0 else 0.0
    da_dv = 1.0 if v > 0 else 0.0  # relu'(0) = 0, as on the slide
    da_du = da_dv * 1.0  # dv/du = 1
    return a, {"x": da_du * w, "w": da_du * x, "b": da_dv * 1.0}

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
