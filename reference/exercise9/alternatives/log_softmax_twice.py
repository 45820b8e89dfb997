"""A correct exercise 9 as on slide 34: cross_entropy of log_softmax outputs (harmless)."""

import torch.nn.functional as F


def multiclass_loss(logits, y, reduction="mean"):
    return F.cross_entropy(F.log_softmax(logits, dim=1), y, reduction=reduction)


def binary_loss(logits, y):
    return (F.softplus(logits) - y * logits).mean()
