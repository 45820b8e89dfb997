# misconception: torch.tensor(loss.item()) is the same loss, only tidier
# fails: gradient_reaches_logits, binary_gradient_reaches_logits
import torch
import torch.nn.functional as F


def multiclass_loss(logits, y, reduction="mean"):
    loss = F.cross_entropy(logits, y, reduction=reduction)
    return torch.tensor(loss.tolist(), dtype=logits.dtype)


def binary_loss(logits, y):
    return torch.tensor(F.binary_cross_entropy_with_logits(logits, y).item())
