"""Reference solution for exercise 6 (Lecture 06, slide 30): paths and the vectorised dl/dW1."""

from __future__ import annotations

import torch


def _forward(
    x: torch.Tensor, W1: torch.Tensor, W2: torch.Tensor, w3: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    a1 = torch.sigmoid(W1 @ x)
    a2 = torch.sigmoid(W2 @ a1)
    return a1, a2, w3 @ a2


def path_terms(
    x: torch.Tensor,
    y: float,
    W1: torch.Tensor,
    W2: torch.Tensor,
    w3: torch.Tensor,
    i: int = 0,
    j: int = 0,
) -> list[float]:
    """One chain-rule product per unit a2[k]: dl/do * do/da2[k] * da2[k]/da1[i] * da1[i]/dW1."""
    a1, a2, o = _forward(x, W1, W2, w3)
    dl_do = -2.0 * (y - o)
    da1_dw = a1[i] * (1 - a1[i]) * x[j]
    terms = []
    for k in range(a2.shape[0]):
        da2_da1 = a2[k] * (1 - a2[k]) * W2[k, i]
        terms.append((dl_do * w3[k] * da2_da1 * da1_dw).item())
    return terms


def grad_W1(
    x: torch.Tensor,
    y: float,
    W1: torch.Tensor,
    W2: torch.Tensor,
    w3: torch.Tensor,
) -> torch.Tensor:
    """Backpropagate the error signal; the sum over paths is the matrix product W2.T @ delta2."""
    a1, a2, o = _forward(x, W1, W2, w3)
    delta2 = -2.0 * (y - o) * w3 * a2 * (1 - a2)
    delta1 = (W2.T @ delta2) * a1 * (1 - a1)
    return torch.outer(delta1, x)
