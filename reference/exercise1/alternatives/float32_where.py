"""A correct exercise1 written differently: float32 tensors, relu as a product with a mask,
one torch.autograd.grad on a stacked input, and a table of local derivatives by hand."""

import torch


def _a(x, w, b):
    v = w * x + b
    return v * (v > 0)


def graph_autograd(x, w, b):
    inputs = torch.tensor([x, w, b], requires_grad=True)
    value = _a(*inputs)
    (grads,) = torch.autograd.grad(value, [inputs])
    gx, gw, gb = grads.tolist()
    return float(value.detach()), {"w": gw, "b": gb, "x": gx}


def graph_manual(x, w, b):
    local = {"du/dx": w, "du/dw": x, "dv/du": 1, "dv/db": 1}
    v = w * x + b
    local["da/dv"] = 1 if v > 0 else 0
    chain = local["da/dv"] * local["dv/du"]
    grads = {"x": chain * local["du/dx"], "w": chain * local["du/dw"], "b": local["da/dv"]}
    return [max(v, 0), grads]
