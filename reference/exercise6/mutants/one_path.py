# misconception: like the single-path graph, W1[0,0] reaches the loss only through a(2)1
# fails: path_terms_lecture, path_terms_other_weight, grad_W1_lecture, hidden_grad_W1_other_shape, hidden_path_terms_other_shape
import torch


def _forward(x, W1, W2, w3):
    a1 = torch.sigmoid(W1 @ x)
    a2 = torch.sigmoid(W2 @ a1)
    return a1, a2, w3 @ a2


def path_terms(x, y, W1, W2, w3, i=0, j=0):
    a1, a2, o = _forward(x, W1, W2, w3)
    term = -2.0 * (y - o) * w3[0] * a2[0] * (1 - a2[0]) * W2[0, i] * a1[i] * (1 - a1[i]) * x[j]
    return [term.item()]


def grad_W1(x, y, W1, W2, w3):
    a1, a2, o = _forward(x, W1, W2, w3)
    delta2 = -2.0 * (y - o) * w3[0] * a2[0] * (1 - a2[0])
    delta1 = W2[0] * delta2 * a1 * (1 - a1)
    return torch.outer(delta1, x)
