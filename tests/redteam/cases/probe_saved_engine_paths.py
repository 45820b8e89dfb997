# attack: shared_weight_grads "by hand" differentiates both paths through an engine reference saved at
# attack: import, bypassing the probe's counting engine
# exercise: exercise5
# expect: passed|failed|invalid|error
import torch


def shared_weight_grads(x1, w1, y):
    up = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    low = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    o = torch.sigmoid(up * x1) * torch.tanh(low * x1)
    upper, lower = torch.autograd.grad((y - o) ** 2, (up, low))
    return upper.item(), lower.item(), upper.item() + lower.item()


def shared_weight_autograd(x1, w1, y):
    return shared_weight_grads(x1, w1, y)[2]


# --- attack ---
from torch.autograd.variable import Variable

ENGINE = Variable._execution_engine


def shared_weight_grads(x1, w1, y):
    up = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    low = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    loss = (y - torch.sigmoid(up * x1) * torch.tanh(low * x1)) ** 2
    upper, lower = ENGINE.run_backward((loss,), (torch.ones_like(loss),), False, False, (up, low), False, False)
    return upper.item(), lower.item(), upper.item() + lower.item()


def shared_weight_autograd(x1, w1, y):
    w = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad((y - torch.sigmoid(w * x1) * torch.tanh(w * x1)) ** 2, w)
    return grad.item()
# --- end attack ---
