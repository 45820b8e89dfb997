# misconception: relu only changes the forward value; its derivative is always 1
# fails: relu_derivative_at_zero, hidden_random_triples, hidden_inactive_unit
import torch


def graph_autograd(x, w, b):
    xt, wt, bt = (torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b))
    a = torch.relu(wt * xt + bt)
    gx, gw, gb = torch.autograd.grad(a, (xt, wt, bt))
    return a.item(), {"x": gx.item(), "w": gw.item(), "b": gb.item()}


def graph_manual(x, w, b):
    v = w * x + b
    return max(v, 0.0), {"x": w, "w": x, "b": 1.0}
