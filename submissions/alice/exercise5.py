"""exercise5 reference: dl/dw1 of the weight-sharing graph, by hand and by autograd."""

from __future__ import annotations

import math

import torch


def shared_weight_grads(x1: float, w1: float, y: float) -> tuple[float, float, float]:
    """(upper-path term, lower-path term, dl/dw1), multiplying local derivatives by hand."""
    z1 = w1 * x1
    a1 = 1.0 / (1.0 + math.exp(-z1))
    a2 = math.tanh(z1)
    o = a1 * a2
    dl_do = -2.0 * (y - o)
    do_da1, do_da2 = a2, a1
    da1_dz1 = a1 * (1.0 - a1)
    da2_dz1 = 1.0 - a2 * a2
    dz1_dw1 = x1
    upper = dl_do * do_da1 * da1_dz1 * dz1_dw1
    lower = dl_do * do_da2 * da2_dz1 * dz1_dw1
    return upper, lower, upper + lower


def shared_weight_autograd(x1: float, w1: float, y: float) -> float:
    """dl/dw1 from autograd: w1 is one leaf used twice, so its gradient sums both paths."""
    w = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    z1 = w * x1
    o = torch.sigmoid(z1) * torch.tanh(z1)
    loss = (y - o) ** 2
    (grad,) = torch.autograd.grad(loss, w)
    return grad.item()
