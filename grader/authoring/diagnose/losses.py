"""Detectors for losses and probabilities: a loss fed softmax probabilities, softmax over the
wrong dimension, nn.Softmax called like F.softmax (slide 39), and a loss that requires grad
but sends no gradient to the logits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from grader.authoring.diagnose.values import (
    Value,
    as_float64,
    evidence,
    is_close,
    lecture,
    pair,
)
from grader.outputs.models import Diagnosis

SOFTMAX_MODULE_CALLED_WITH_DIM = lecture(
    "softmax_module_called_with_dim",
    "nn.Softmax called like F.softmax",
    "slide 39",
    "the dimension belongs to the module, not to the call: nn.Softmax(dim=1) once in "
    "__init__, then self.softmax(logits); or F.softmax(logits, dim=1). Slide 39 mixes the "
    "two and raises this TypeError.",
)
LOSS_DETACHED_FROM_LOGITS = lecture(
    "loss_detached_from_logits",
    "the loss requires grad but sends no gradient to the logits",
    "slides 34-37 (loss = F.cross_entropy(logits, targets); loss.backward())",
    "the loss was rebuilt as a new leaf (torch.tensor(loss.item(), requires_grad=True), or "
    "from logits.detach()/.data/.tolist()), so it requires grad yet has no path back to the "
    "logits: backward runs and every parameter keeps a zero or missing gradient. Compute the "
    "loss with tensor operations on the logits themselves.",
)


def loss_sends_no_gradient(
    loss_requires_grad: object, logits_grad: object, expected_grad: Value
) -> Diagnosis | None:
    """The loss requires grad, yet backward leaves the logits' gradient None or zero where
    the right loss's gradient (`expected_grad`) is not."""
    expected = as_float64(expected_grad)
    if loss_requires_grad is not True or expected is None or bool((expected == 0).all()):
        return None
    if logits_grad is None:
        shown = "the logits' gradient is None after loss.backward()"
    else:
        got = as_float64(logits_grad)
        if got is None or got.shape != expected.shape or not bool((got == 0).all()):
            return None
        shown = evidence(got, expected) + " after loss.backward()"
    return LOSS_DETACHED_FROM_LOGITS.model_copy(update={"evidence": shown})


def loss_on_probabilities(got_loss: Value, logits: Value, targets: object) -> Diagnosis | None:
    """The loss equals cross_entropy or nll_loss applied to softmax probabilities."""
    inputs = _classification(logits, targets)
    loss = as_float64(got_loss)
    if inputs is None or loss is None:
        return None
    z, y = inputs
    for reduction in _reductions(loss, len(y)):
        right = F.cross_entropy(z, y, reduction=reduction)
        if is_close(loss.reshape(right.shape), right):
            return None
        for name, wrong, why in _probability_losses(z, y, reduction):
            if is_close(loss.reshape(right.shape), wrong):
                return lecture(
                    "loss_on_probabilities",
                    f"the loss is {name} instead of cross_entropy on logits",
                    "slides 34-37",
                    f"F.cross_entropy takes logits (it applies log_softmax itself); {why}.",
                    evidence(loss.reshape(right.shape), right, name="loss") + f", {name}",
                )
    return None


def softmax_wrong_dim(got: Value, logits: Value) -> Diagnosis | None:
    """Probabilities (or log-probabilities) were normalised over dim 0, the batch."""
    both = pair(got, logits)
    if both is None or both[1].dim() != 2 or both[0].shape != both[1].shape:
        return None
    g, z = both
    if is_close(g, z.softmax(1)) or is_close(g, z.log_softmax(1)):
        return None
    if not (is_close(g, z.softmax(0)) or is_close(g, z.log_softmax(0))):
        return None
    row = (g if is_close(g, z.softmax(0)) else g.exp())[0].sum().item()
    return lecture(
        "softmax_wrong_dim",
        "softmax was taken over dim 0 (the batch) instead of dim 1 (the classes)",
        "slides 31 and 39-40",
        "probas = F.softmax(logits, dim=1) makes each row (one example) sum to 1; "
        "dim=0 mixes the examples of a batch.",
        f"row 0 sums to {row:.6g}; each column sums to 1",
    )


def _classification(logits: object, targets: object) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(N, C) float64 logits and N class indices in range; None when they do not fit."""
    z = as_float64(logits)
    y = as_float64(targets)
    if z is None or y is None or z.dim() != 2 or y.shape != (z.shape[0],):
        return None
    if not bool((y == y.round()).all() & (y >= 0).all() & (y < z.shape[1]).all()):
        return None
    return z, y.long()


def _reductions(loss: torch.Tensor, n: int) -> list[str]:
    if loss.numel() == 1 and n > 1:
        return ["mean", "sum"]
    if loss.numel() == n:
        return ["none"] if n > 1 else ["mean", "sum", "none"]
    return []


def _probability_losses(
    z: torch.Tensor, y: torch.Tensor, reduction: str
) -> list[tuple[str, torch.Tensor, str]]:
    p = z.softmax(1)
    return [
        (
            "cross_entropy on softmax probabilities",
            F.cross_entropy(p, y, reduction=reduction),
            "given probabilities it applies softmax a second time",
        ),
        (
            "nll_loss on softmax probabilities",
            F.nll_loss(p, y, reduction=reduction),
            "F.nll_loss wants log-probabilities (log_softmax), and on probabilities it "
            "returns -p[y], a negative loss",
        ),
    ]
