"""exercise2 hidden checks: other shapes, seeds and values than the public ones."""

from __future__ import annotations

import torch

from grader.authoring import Submission, as_tensor, check, compare_gradients, expect_tensor, fail


@check(points=2)
def hidden_random_batch_with_zeros(sub: Submission) -> None:
    """Gradients on a random (4, 5, 3) batch that contains exact zeros."""
    gen = torch.Generator().manual_seed(4701)
    x = torch.randn(4, 5, 3, generator=gen, dtype=torch.float64)
    x[x.abs() < 0.3] = 0.0  # fail-closed: inputs
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
    """backward agrees with central differences of forward, in float64, away from 0."""
    gen = torch.Generator().manual_seed(2024)
    x = torch.rand(6, generator=gen, dtype=torch.float64) + 0.1
    x = x * torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0, -1.0], dtype=torch.float64)
    upstream = torch.randn(6, generator=gen, dtype=torch.float64)
    h = 1e-6
    steps = torch.eye(6, dtype=torch.float64) * h
    points = torch.cat([x + steps, x - steps])
    # Both forward passes in one call; relu is elementwise, so rows are independent. The
    # student's forward is held to the judge's relu at every perturbed point, and the central
    # differences are taken of the judge's values: both sides of the gradient comparison are
    # the judge's own, so a forward and a backward that agree with each other but not with
    # relu gain nothing.
    outputs = torch.relu(points)
    expect_tensor(sub.probe("forward", points), outputs, "relu(x) at the perturbed points")
    jacobian = (outputs[:6] - outputs[6:]) / (2 * h)  # row i: d relu(x) / d x_i
    numeric = jacobian @ upstream
    report = sub.probe("backward", x, upstream)
    grad = report.get("grad") if isinstance(report, dict) else None
    if grad is None:
        fail("x.grad is None after backward")
    analytic = as_tensor(grad, "x.grad", shape=(6,))
    verdict = compare_gradients(analytic, numeric)
    if not verdict.ok:
        fail("backward disagrees with central differences of forward")
