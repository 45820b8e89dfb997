"""Reference solution for exercise 9 (Lecture 06, slides 34-37): losses computed from logits."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def multiclass_loss(logits: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    return F.cross_entropy(logits, y, reduction=reduction)


def binary_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, y)
