"""A correct exercise 6 written differently: explicit Jacobians and einsum, paths as a matrix."""

import torch


def _sig_prime(z):
    s = 1.0 / (1.0 + torch.exp(-z))
    return s, s * (1.0 - s)


def path_terms(x, y, W1, W2, w3, i=0, j=0):
    a1, s1 = _sig_prime(torch.einsum("hd,d->h", W1, x))
    a2, s2 = _sig_prime(torch.einsum("kh,h->k", W2, a1))
    o = torch.dot(w3, a2)
    upstream = 2.0 * (o - y)
    per_path = upstream * w3 * s2 * W2[:, i] * s1[i] * x[j]
    return [float(t) for t in per_path]


def grad_W1(x, y, W1, W2, w3):
    a1, s1 = _sig_prime(W1 @ x)
    a2, s2 = _sig_prime(W2 @ a1)
    o = torch.dot(w3, a2)
    # Jacobians: do/da2 (h2,), da2/da1 (h2, h1), da1/dz1 diagonal
    da2_da1 = s2[:, None] * W2
    do_da1 = w3 @ da2_da1
    dl_dz1 = 2.0 * (o - y) * do_da1 * s1
    return dl_dz1[:, None] * x[None, :]
