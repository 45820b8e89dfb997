# attack: rebinds the encoder the request loop uses (grader.jail.serve.encode) to turn every
# attack: backward-pass count it sends into zero passes
# exercise: exercise1
# expect: passed|failed|invalid|error
import torch


def graph_autograd(x, w, b):
    xt, wt, bt = (torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b))
    a = torch.relu(wt * xt + bt)
    gx, gw, gb = torch.autograd.grad(a, (xt, wt, bt))
    return a.item(), {"x": gx.item(), "w": gw.item(), "b": gb.item()}


def graph_manual(x, w, b):
    return graph_autograd(x, w, b)


# --- attack ---
import sys

_serve = sys.modules["grader.jail.serve"]
_real_encode = _serve.encode


def _encode(message):
    request = sys._getframe(1).f_locals.get("request") or {}
    args = request.get("args") or [None]
    if request.get("name") == "backward_passes" and args[0] == "graph_manual":
        message = {**message, "value": {"grad": 0, "backward": 0, "unseen": 0}}
    return _real_encode(message)


_serve.encode = _encode
# --- end attack ---
