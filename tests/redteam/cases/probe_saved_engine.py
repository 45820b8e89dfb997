# attack: graph_manual "by hand" runs autograd through the engine object saved at import, so the
# attack: probe's counting engine (put in place only during the call) never sees the pass
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
from torch.autograd.variable import Variable

ENGINE = Variable._execution_engine


def graph_manual(x, w, b):
    xt, wt, bt = (torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b))
    a = torch.relu(wt * xt + bt)
    grads = ENGINE.run_backward((a,), (torch.ones_like(a),), False, False, (xt, wt, bt), False, False)
    return a.item(), {k: g.item() for k, g in zip("xwb", grads)}
# --- end attack ---
