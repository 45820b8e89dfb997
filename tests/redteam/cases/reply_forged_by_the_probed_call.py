# attack: graph_manual, called inside the backward-pass probe, finds the judge's connection (gc)
# attack: and the request's id (the serve loop's frame), sends its own well-formed reply with the
# attack: counts the check wants, and swaps the code of Connection._send_bytes so that the real
# attack: reply, the next frame sent, is dropped (the loop's bound send_bytes runs the new code)
# exercise: exercise1
# expect: passed|failed|invalid|error|crashed
import torch


def graph_autograd(x, w, b):
    xt, wt, bt = (torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b))
    a = torch.relu(wt * xt + bt)
    gx, gw, gb = torch.autograd.grad(a, (xt, wt, bt))
    return a.item(), {"x": gx.item(), "w": gw.item(), "b": gb.item()}


def graph_manual(x, w, b):
    return graph_autograd(x, w, b)


# --- attack ---
import gc
import sys
from multiprocessing.connection import Connection

from grader.wire.protocol import encode

_plain_manual = graph_manual


def graph_manual(x, w, b):
    frame, rid = sys._getframe(1), None
    while frame is not None:
        request = frame.f_locals.get("request")
        if isinstance(request, dict):  # the loop's request, as a dict or a typed message
            name, ident = request.get("name"), request.get("id")
        else:
            name, ident = getattr(request, "name", None), getattr(request, "id", None)
        if name == "backward_passes":
            rid = ident
            break
        frame = frame.f_back
    if rid is None:
        return _plain_manual(x, w, b)
    value = {"grad": 0, "backward": 0, "unseen": 0}
    for conn in [obj for obj in gc.get_objects() if isinstance(obj, Connection)]:
        try:
            conn.send_bytes(encode({"id": rid, "ok": True, "value": value}))
        except OSError:
            pass
    send = Connection._send_bytes
    send.real_code = send.__code__
    send.__code__ = _drop_once.__code__
    return _plain_manual(x, w, b)


def _drop_once(self, buf):
    Connection._send_bytes.__code__ = Connection._send_bytes.real_code
# --- end attack ---
