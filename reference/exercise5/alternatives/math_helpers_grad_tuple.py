"""A correct exercise5 with helper functions for each local derivative (math module only by
hand), and torch.autograd.grad with create_graph=False on a functional graph; no type hints."""

import math

import torch


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def dsigmoid(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def dtanh(z):
    return 1.0 - math.tanh(z) ** 2


def shared_weight_grads(x1, w1, y):
    z1 = w1 * x1
    a1, a2 = sigmoid(z1), math.tanh(z1)
    dl_do = 2.0 * (a1 * a2 - y)
    upper = dl_do * a2 * dsigmoid(z1) * x1
    lower = dl_do * a1 * dtanh(z1) * x1
    return upper, lower, upper + lower


def shared_weight_autograd(x1, w1, y):
    w = torch.tensor(float(w1), dtype=torch.float64, requires_grad=True)
    z1 = torch.mul(w, x1)
    o = torch.mul(torch.sigmoid(z1), torch.tanh(z1))
    loss = torch.nn.functional.mse_loss(o, torch.tensor(float(y), dtype=torch.float64))
    (grad,) = torch.autograd.grad(loss, [w], create_graph=False)
    return float(grad)
