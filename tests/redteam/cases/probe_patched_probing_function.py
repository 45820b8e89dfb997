# attack: rebinds grader.jail.probing.count_backward_passes at import; the forged one reads the
# attack: probed function's name from the probe's lambda and answers what each check wants
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
import grader.jail.probing as probing


def _forged(call):
    cells = dict(zip(call.__code__.co_freevars, (c.cell_contents for c in call.__closure__ or ())))
    call()
    used = 0 if cells.get("name") == "graph_manual" else 1
    return {"grad": used, "backward": 0, "unseen": 0}


probing.count_backward_passes = _forged
# --- end attack ---
