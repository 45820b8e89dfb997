"""Exercise 6: the gradient of a first-layer weight in a fully connected network.

Lecture 06, slide 30 ("Graph with Fully-Connected Layers"). The network is

    z1 = W1 @ x          a1 = sigmoid(z1)        W1: (h1, d)   x: (d,)
    z2 = W2 @ a1         a2 = sigmoid(z2)        W2: (h2, h1)
    o  = w3 @ a2         l  = (y - o)**2         w3: (h2,)     y: a float

with no biases (the lecture's example is 2 -> 3 -> 2 -> 1). The weight W1[i, j] reaches the
loss through a1[i] and then through *every* unit a2[k] of the second hidden layer, so the
multivariable chain rule sums one product per path:

    dl/dW1[i,j] = sum_k  dl/do * do/da2[k] * da2[k]/da1[i] * da1[i]/dW1[i,j]

    dl/do          = -2 (y - o)
    do/da2[k]      = w3[k]
    da2[k]/da1[i]  = sigmoid'(z2[k]) * W2[k, i]      sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))
    da1[i]/dW1[i,j] = sigmoid'(z1[i]) * x[j]

Compute both functions by hand (tensor arithmetic only): no `backward`, no `torch.autograd`.
All tensors arrive as float64.
"""

from __future__ import annotations

import torch


def path_terms(
    x: torch.Tensor,
    y: float,
    W1: torch.Tensor,
    W2: torch.Tensor,
    w3: torch.Tensor,
    i: int = 0,
    j: int = 0,
) -> list[float]:
    """The terms of dl/dW1[i, j], one per path: entry k is the path through a2[k].

    Returns a list of h2 Python floats (use `.item()`), in the order of the units of the
    second hidden layer. Their sum is dl/dW1[i, j]. For the lecture's network and (i, j) = (0, 0)
    there are two terms, via a(2)1 and via a(2)2.
    """
    raise NotImplementedError("exercise6: return the path terms of dl/dW1[i, j]")


def grad_W1(
    x: torch.Tensor,
    y: float,
    W1: torch.Tensor,
    W2: torch.Tensor,
    w3: torch.Tensor,
) -> torch.Tensor:
    """The whole gradient dl/dW1 at once, with matrix operations (no loop over i, j).

    Returns a float64 tensor of the same shape as W1, (h1, d): entry [i, j] is dl/dW1[i, j].
    Hint: the error signal at the first hidden layer is a vector of length h1; the gradient
    is its outer product with x.
    """
    raise NotImplementedError("exercise6: compute dl/dW1 in matrix form")
