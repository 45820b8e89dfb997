# attack: torch.autograd's own entry point (_engine_run_backward) is rebound at import to call the
# attack: saved engine, so torch.autograd.grad in graph_manual never reaches Variable._execution_engine
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
import torch.autograd
import torch.autograd.graph
from torch.autograd.variable import Variable

ENGINE = Variable._execution_engine
_real_entry = torch.autograd.graph._engine_run_backward
QUIET = []


def _run(t_outputs, *args, **kwargs):
    if QUIET:
        return ENGINE.run_backward(t_outputs, *args, **kwargs)
    return _real_entry(t_outputs, *args, **kwargs)


torch.autograd._engine_run_backward = _run
torch.autograd.graph._engine_run_backward = _run


def graph_manual(x, w, b):
    QUIET.append(True)
    try:
        return graph_autograd(x, w, b)
    finally:
        QUIET.pop()
# --- end attack ---
