# attack: rebinds grader.jail.serve._resolve through sys.modules, so the request loop resolves the
# attack: backward-pass probe of graph_manual to a function of the submission's that answers "no autograd"
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
_real_resolve = _serve._resolve


def _resolve(request, namespace):
    args = request.get("args") or [None]
    if request.get("op") != "call" and request.get("name") == "backward_passes" and args[0] == "graph_manual":
        return lambda *a, **k: {"grad": 0, "backward": 0, "unseen": 0}
    return _real_resolve(request, namespace)


_serve._resolve = _resolve
# --- end attack ---
