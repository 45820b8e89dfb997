"""exercise2 hidden checks: other shapes, seeds and values than the public ones."""

from __future__ import annotations

import torch

from grader.check import check, fail
from grader.expect import expect_tensor
from grader.judge import Submission


@check(points=2)
def hidden_random_batch_with_zeros(sub: Submission) -> None:
    """Gradients on a random (4, 5, 3) batch that contains exact zeros."""
    gen = torch.Generator().manual_seed(4701)
    x = torch.randn(4, 5, 3, generator=gen, dtype=torch.float64)
    x[x.abs() < 0.3] = 0.0
    upstream = torch.randn(4, 5, 3, generator=gen, dtype=torch.float64) * 2.5
    sub.exercise.module("checks").expect_gradient(sub, x, upstream, "x.grad on a random batch")


@check(points=1)
def hidden_float32_forward(sub: Submission) -> None:
    """Forward on a random float32 (7, 2) input keeps float32."""
    gen = torch.Generator().manual_seed(99)
    x = torch.randn(7, 2, generator=gen)
    expect_tensor(sub.probe("forward", x), torch.relu(x), "relu(x)")


@check(points=1)
def hidden_gradcheck(sub: Submission) -> None:
    """torch.autograd.gradcheck passes in float64 away from 0."""
    gen = torch.Generator().manual_seed(2024)
    x = torch.rand(6, generator=gen, dtype=torch.float64) + 0.1
    x = x * torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0, -1.0], dtype=torch.float64)
    ok = sub.probe("gradcheck", x)
    if ok is not True:
        fail("gradcheck did not pass: the analytic gradient disagrees with finite differences")
