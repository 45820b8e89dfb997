"""A correct exercise 6 with plain Python loops over every entry (slow but right)."""

import math

import torch


def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


def _forward(x, W1, W2, w3):
    xs = x.tolist()
    a1 = [_sigmoid(sum(w * v for w, v in zip(row, xs, strict=True))) for row in W1.tolist()]
    a2 = [_sigmoid(sum(w * v for w, v in zip(row, a1, strict=True))) for row in W2.tolist()]
    o = sum(w * a for w, a in zip(w3.tolist(), a2, strict=True))
    return xs, a1, a2, o


def path_terms(x, y, W1, W2, w3, i=0, j=0):
    xs, a1, a2, o = _forward(x, W1, W2, w3)
    W2l, w3l = W2.tolist(), w3.tolist()
    return [
        -2 * (y - o) * w3l[k] * a2[k] * (1 - a2[k]) * W2l[k][i] * a1[i] * (1 - a1[i]) * xs[j]
        for k in range(len(a2))
    ]


def grad_W1(x, y, W1, W2, w3):
    rows, cols = W1.shape
    out = torch.zeros(rows, cols, dtype=torch.float64)
    for i in range(rows):
        for j in range(cols):
            out[i, j] = sum(path_terms(x, y, W1, W2, w3, i, j))
    return out
