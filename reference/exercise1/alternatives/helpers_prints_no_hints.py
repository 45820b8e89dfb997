"""A correct exercise1 as a student writes it: no type hints, a helper for the ReLU slope,
debug prints, torch.autograd.grad with a list of inputs and float() on the results."""

import torch


def relu_slope(v):
    # relu'(v): 1 where the unit is on, 0 where it is off and at the kink itself
    return 1.0 if v > 0 else 0.0


def graph_autograd(x, w, b):
    inputs = [torch.tensor(float(t), dtype=torch.float64, requires_grad=True) for t in (x, w, b)]
    xt, wt, bt = inputs
    a = torch.nn.functional.relu(wt * xt + bt)
    grads = torch.autograd.grad(a, inputs)
    print("a =", a.item(), "grads =", [float(g) for g in grads])
    return float(a), {"x": float(grads[0]), "w": float(grads[1]), "b": float(grads[2])}


def graph_manual(x, w, b):
    u = w * x
    v = u + b
    print("u =", u, "v =", v)
    da_dv = relu_slope(v)
    local = {"x": w, "w": x, "b": 1.0}  # du/dx, du/dw, dv/db
    return max(v, 0.0), {name: da_dv * d for name, d in local.items()}
