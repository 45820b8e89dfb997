import torch


def _forward(x, W1, W2, w3):
    a1 = torch.sigmoid(W1 @ x)
    a2 = torch.sigmoid(W2 @ a1)
    return a1, a2, w3 @ a2


def path_terms(x, y, W1, W2, w3, i=0, j=0):
    a1, a2, o = _forward(x, W1, W2, w3)
    common = -2.0 * (y - o) * a1[i] * (1 - a1[i]) * x[j]
    return [(common * w3[k] * a2[k] * (1 - a2[k]) * W2[k, i]).item() for k in range(len(a2))]


def grad_W1(x, y, W1, W2, w3):
    a1, a2, o = _forward(x, W1, W2, w3)
    delta2 = -2.0 * (y - o) * w3 * a2 * (1 - a2)
    delta1 = (W2.T @ delta2) * a1 * (1 - a1)
    return torch.outer(x, delta1)
