# misconception: a loss is just a number, so computing it outside autograd is fine
# fails: gradient_reaches_logits
import math

import torch
import torch.nn.functional as F


def multiclass_loss(logits, y, reduction="mean"):
    rows = logits.tolist()
    losses = [
        math.log(sum(math.exp(v) for v in row)) - row[int(t)]
        for row, t in zip(rows, y.tolist(), strict=True)
    ]
    out = torch.tensor(losses, dtype=logits.dtype)
    if reduction == "none":
        return out
    return out.sum() if reduction == "sum" else out.mean()


def binary_loss(logits, y):
    return F.binary_cross_entropy_with_logits(logits, y)
