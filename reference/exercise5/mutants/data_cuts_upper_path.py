# misconception: a1 = sigmoid(z1.data) is the same a1; .data only skips the bookkeeping
# fails: autograd_total, hidden_autograd_at_other_inputs
import math

import torch


def shared_weight_grads(x1, w1, y):
    z1 = w1 * x1
    a1, a2 = 1 / (1 + math.exp(-z1)), math.tanh(z1)
    dl_do = -2 * (y - a1 * a2)
    upper = dl_do * a2 * a1 * (1 - a1) * x1
    lower = dl_do * a1 * (1 - a2**2) * x1
    return upper, lower, upper + lower


def shared_weight_autograd(x1, w1, y):
    w = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    z1 = w * x1
    o = torch.sigmoid(z1.data) * torch.tanh(z1)
    (grad,) = torch.autograd.grad((y - o) ** 2, w)
    return grad.item()
