"""A correct exercise5 whose by-hand version uses float64 tensors under torch.no_grad() (no
graph at all), and whose autograd version calls loss.backward() and reads w.grad, resetting it
with w.grad = None first (the set_to_none idiom); prints the loss."""

from __future__ import annotations

import torch


@torch.no_grad()
def shared_weight_grads(x1: float, w1: float, y: float) -> tuple[float, float, float]:
    x, w = torch.tensor(x1, dtype=torch.float64), torch.tensor(w1, dtype=torch.float64)
    z1 = w * x
    a1, a2 = torch.sigmoid(z1), torch.tanh(z1)
    dl_do = -2 * (y - a1 * a2)
    upper = dl_do * a2 * a1 * (1 - a1) * x
    lower = dl_do * a1 * (1 - a2**2) * x
    return upper.item(), lower.item(), (upper + lower).item()


def shared_weight_autograd(x1: float, w1: float, y: float) -> float:
    w = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    w.grad = None  # set_to_none: nothing left from before
    z1 = w * x1
    loss = (y - torch.sigmoid(z1) * torch.tanh(z1)).pow(2)
    print("loss", loss.item())
    loss.backward()
    assert w.grad is not None
    return w.grad.item()
