# misconception: "by hand" may call autograd, since the numbers come out the same
# fails: manual_uses_no_autograd
import torch


def shared_weight_grads(x1, w1, y):
    up = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    low = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    o = torch.sigmoid(up * x1) * torch.tanh(low * x1)
    upper, lower = torch.autograd.grad((y - o) ** 2, (up, low))
    return upper.item(), lower.item(), upper.item() + lower.item()


def shared_weight_autograd(x1, w1, y):
    return shared_weight_grads(x1, w1, y)[2]
