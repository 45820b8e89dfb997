# misconception: binary_cross_entropy on sigmoid(z) is the same as working from the logits
# fails: binary_loss_finite_at_50, hidden_binary_large_logits
import torch
import torch.nn.functional as F


def multiclass_loss(logits, y, reduction="mean"):
    return F.cross_entropy(logits, y, reduction=reduction)


def binary_loss(logits, y):
    return F.binary_cross_entropy(torch.sigmoid(logits), y)
