# attack: graph_manual runs autograd on a new torch._C._ImperativeEngine() (another Python object for
# attack: the same C++ engine), around the probe's stand-in
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
def graph_manual(x, w, b):
    xt, wt, bt = (torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b))
    a = torch.relu(wt * xt + bt)
    engine = torch._C._ImperativeEngine()
    grads = engine.run_backward((a,), (torch.ones_like(a),), False, False, (xt, wt, bt), False, False)
    return a.item(), {k: g.item() for k, g in zip("xwb", grads)}
# --- end attack ---
