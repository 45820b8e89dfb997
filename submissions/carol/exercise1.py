import torch


def graph_autograd(x, w, b):
    xt, wt, bt = (torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b))
    a = torch.clamp(wt * xt + bt, min=0)
    gx, gw, gb = torch.autograd.grad(a, (xt, wt, bt))
    return a.item(), {"x": gx.item(), "w": gw.item(), "b": gb.item()}


def graph_manual(x, w, b):
    v = w * x + b
    slope = 1.0 if v >= 0 else 0.0
    return max(v, 0.0), {"x": slope * w, "w": slope * x, "b": slope}
