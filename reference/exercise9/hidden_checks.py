"""exercise9 hidden checks: seeded batches of other sizes, and logits far apart."""

from __future__ import annotations

import torch

from grader.authoring import Submission, check


@check(points=1)
def hidden_multiclass_random(sub: Submission) -> None:
    """Per-example losses of a seeded float64 batch (7 examples, 5 classes) match cross_entropy."""
    gen = torch.Generator().manual_seed(909)
    z = torch.randn(7, 5, generator=gen, dtype=torch.float64) * 2
    y = torch.randint(0, 5, (7,), generator=gen)
    public = sub.exercise.module("checks")
    public.expect_multiclass(sub, z, y, "none", "multiclass_loss on a random (7, 5) batch")


@check(points=1)
def hidden_multiclass_large_logits(sub: Submission) -> None:
    """The mean loss stays finite and right when the true class's logit is 200 below the best."""
    z = torch.tensor([[100.0, -100.0, 0.0], [-60.0, 40.0, 90.0], [3.0, 1.0, -2.0]])
    y = torch.tensor([1, 0, 0])
    public = sub.exercise.module("checks")
    public.expect_multiclass(sub, z, y, "mean", "multiclass_loss for logits far apart")


@check(points=1)
def hidden_binary_random(sub: Submission) -> None:
    """binary_loss of a seeded float64 batch of 9 matches binary_cross_entropy_with_logits."""
    gen = torch.Generator().manual_seed(919)
    z = torch.randn(9, generator=gen, dtype=torch.float64) * 3
    y = torch.randint(0, 2, (9,), generator=gen).to(torch.float64)
    sub.exercise.module("checks").expect_binary(sub, z, y, "binary_loss on a random batch of 9")


@check(points=1)
def hidden_binary_large_logits(sub: Submission) -> None:
    """binary_loss stays finite and right at logits between 40 and 90 in size."""
    z = torch.tensor([90.0, -75.0, 40.0, -40.0, 60.0])
    y = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0])
    sub.exercise.module("checks").expect_binary(sub, z, y, "binary_loss at large logits")
