# misconception: nll_loss is the negative log-likelihood, so it takes the probabilities
# fails: per_example_losses, mean_is_the_default, sum_reduction, gradient_reaches_logits, hidden_multiclass_random, hidden_multiclass_large_logits
import torch.nn.functional as F


def multiclass_loss(logits, y, reduction="mean"):
    return F.nll_loss(F.softmax(logits, dim=1), y, reduction=reduction)


def binary_loss(logits, y):
    return F.binary_cross_entropy_with_logits(logits, y)
