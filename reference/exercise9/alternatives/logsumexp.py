"""A correct exercise 9 written out: logsumexp minus the true logit, and a stable binary loss."""

import torch


def multiclass_loss(logits, y, reduction="mean"):
    per_example = torch.logsumexp(logits, dim=1) - logits.gather(1, y.unsqueeze(1)).squeeze(1)
    if reduction == "none":
        return per_example
    if reduction == "sum":
        return per_example.sum()
    return per_example.mean()


def binary_loss(logits, y):
    # max(z, 0) - z*y + log(1 + exp(-|z|)): no exp of a large positive number
    return (logits.clamp(min=0) - logits * y + torch.log1p(torch.exp(-logits.abs()))).mean()
