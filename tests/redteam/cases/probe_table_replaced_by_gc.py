# attack: graph_manual uses autograd; at import it walks gc for the request loop's probe table
# attack: (a dict of the exercise's probe functions) and swaps its backward_passes probe for one
# attack: that reports no backward pass
# exercise: exercise1
# expect: passed|failed
import torch


def graph_autograd(x, w, b):
    xt, wt, bt = (torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b))
    a = torch.relu(wt * xt + bt)
    gx, gw, gb = torch.autograd.grad(a, (xt, wt, bt))
    return a.item(), {"x": gx.item(), "w": gw.item(), "b": gb.item()}


def graph_manual(x, w, b):
    # --- attack ---
    pass
    # --- end attack ---
    return graph_autograd(x, w, b)

# --- attack ---
import gc


def _no_passes(student, device, name, *args):
    getattr(student, name)(*args)
    return {"grad": 0, "backward": 0, "unseen": 0}


for _table in [o for o in gc.get_objects() if type(o) is dict and "backward_passes" in o]:
    if callable(_table["backward_passes"]):
        _table["backward_passes"] = _no_passes
# --- end attack ---
