# attack: rebinds grader.jail.serve._handle, which the request loop looked up on every request, to
# attack: answer graph_manual's backward-pass probe itself with a well-formed reply
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
_real_handle = _serve._handle


def _handle(request, namespace, config):
    args = request.get("args") or [None]
    if request.get("op") != "call" and request.get("name") == "backward_passes" and args[0] == "graph_manual":
        value = {"grad": 0, "backward": 0, "unseen": 0}
        return _serve.encode({"id": request.get("id"), "ok": True, "value": value})
    return _real_handle(request, namespace, config)


_serve._handle = _handle
# --- end attack ---
