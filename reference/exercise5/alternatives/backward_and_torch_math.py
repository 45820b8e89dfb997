"""A correct exercise5 written differently: the path terms via the loss's derivative with
respect to z1 split in two, torch (no grad) for the elementary functions, and .backward()."""

import torch


def shared_weight_grads(x1, w1, y):
    with torch.no_grad():
        z1 = torch.tensor(w1 * x1, dtype=torch.float64)
        a1, a2 = torch.sigmoid(z1), torch.tanh(z1)
        dl_do = 2 * (a1 * a2 - y)
        upper = dl_do * a2 * (a1 - a1**2) * x1
        lower = dl_do * a1 * (1 / torch.cosh(z1) ** 2) * x1
    return [upper, lower, (upper + lower).item()]


def shared_weight_autograd(x1, w1, y):
    w = torch.tensor([w1], dtype=torch.float64, requires_grad=True)
    x = torch.tensor([x1], dtype=torch.float64)
    a1 = 1 / (1 + torch.exp(-w * x))
    a2 = torch.tanh(w * x)
    loss = torch.nn.functional.mse_loss(a1 * a2, torch.tensor([y], dtype=torch.float64))
    loss.backward()
    return w.grad
