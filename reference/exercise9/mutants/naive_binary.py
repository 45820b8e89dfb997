# misconception: the binary cross-entropy formula can be typed in as it stands on paper
# fails: binary_loss_finite_at_50, hidden_binary_large_logits
import torch
import torch.nn.functional as F


def multiclass_loss(logits, y, reduction="mean"):
    return F.cross_entropy(logits, y, reduction=reduction)


def binary_loss(logits, y):
    p = torch.sigmoid(logits)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
