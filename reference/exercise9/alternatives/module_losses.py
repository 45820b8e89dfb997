"""A correct exercise9 written differently: the object-oriented loss modules
(nn.CrossEntropyLoss, nn.BCEWithLogitsLoss) built per call, and no type hints."""

from torch import nn


def multiclass_loss(logits, y, reduction="mean"):
    criterion = nn.CrossEntropyLoss(reduction=reduction)
    return criterion(logits, y)


def binary_loss(logits, y):
    return nn.BCEWithLogitsLoss()(logits, y)
