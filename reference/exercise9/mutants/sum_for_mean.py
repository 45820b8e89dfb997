# misconception: the loss of a batch is the sum of its examples' losses, whatever the reduction says
# fails: mean_is_the_default, gradient_reaches_logits, hidden_multiclass_large_logits
import torch.nn.functional as F


def multiclass_loss(logits, y, reduction="mean"):
    if reduction == "none":
        return F.cross_entropy(logits, y, reduction="none")
    return F.cross_entropy(logits, y, reduction="sum")


def binary_loss(logits, y):
    return F.binary_cross_entropy_with_logits(logits, y)
