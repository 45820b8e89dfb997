"""Exercise 9: loss functions that take logits, the way PyTorch's do.

Lecture 06, slides 34-37 and the loss-function cheatsheet. For N examples with logits z (N, C)
and class indices y (N,), the cross-entropy of example n is

    loss[n] = -log softmax(z[n])[y[n]] = logsumexp(z[n]) - z[n, y[n]]

`F.cross_entropy(logits, y)` computes exactly this: it applies log_softmax itself, "more stable
than log(softmax(logits))" (slide 37). So it must be given logits, never probabilities.

For one output per example (two classes), with logits z (N,) and targets y (N,) in {0., 1.}:

    loss[n] = -(y[n] log sigmoid(z[n]) + (1 - y[n]) log(1 - sigmoid(z[n])))

which has to stay finite for large |z| (sigmoid(50) is exactly 1.0 in float32).
"""

from __future__ import annotations

import torch


def multiclass_loss(logits: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Cross-entropy of (N, C) logits against N class indices (int64).

    reduction: "none" -> the N per-example losses, shape (N,); "mean" -> their mean and
    "sum" -> their sum, both 0-dim tensors. The result must stay connected to `logits`
    (loss.backward() reaches them).
    """
    raise NotImplementedError("exercise9: implement the multiclass cross-entropy")


def binary_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of N logits against N float targets in {0., 1.}: a 0-dim tensor.

    Work from the logits: the result must be finite for logits as large as +-50.
    """
    raise NotImplementedError("exercise9: implement the binary cross-entropy on logits")
