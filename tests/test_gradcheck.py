"""Tests for grader.authoring.gradcheck:
central differences, the relative-error verdict, kink nudging."""

from __future__ import annotations

import math

import pytest
import torch

from grader.authoring.gradcheck import (
    GradcheckReport,
    away_from_kinks,
    central_difference,
    check_gradient,
    compare_gradients,
)


def relu_squared(t: torch.Tensor) -> torch.Tensor:
    return (t.relu() ** 2).sum()


@pytest.fixture
def x() -> torch.Tensor:
    generator = torch.Generator().manual_seed(6)
    return away_from_kinks(torch.randn(3, 4, dtype=torch.float64, generator=generator))


def test_central_difference_course_cases() -> None:
    # MiniTorch's cases (docs/course.md, exercise3): d/dx exp at 2, and mul(5, 10) per argument
    assert central_difference(torch.exp, 2.0).item() == pytest.approx(math.exp(2), rel=1e-9)
    pair = torch.tensor([5.0, 10.0])
    grad = central_difference(lambda v: v[0] * v[1], pair)
    assert grad.dtype == torch.float64 and grad.shape == (2,)
    assert grad.tolist() == pytest.approx([10.0, 5.0], rel=1e-7)


def test_central_difference_matches_autograd(x: torch.Tensor) -> None:
    leaf = x.clone().requires_grad_()
    (analytic,) = torch.autograd.grad(relu_squared(leaf), leaf)
    numeric = central_difference(relu_squared, x)
    assert numeric.shape == x.shape
    assert compare_gradients(analytic, numeric).relative_error < 1e-9


def test_central_difference_vector_valued_with_grad_output(x: torch.Tensor) -> None:
    upstream = torch.linspace(-2, 2, 12, dtype=torch.float64).reshape(3, 4)
    numeric = central_difference(torch.relu, x, grad_output=upstream)
    assert torch.allclose(numeric, upstream * (x > 0), atol=1e-8)


def test_central_difference_leaves_x_alone_and_refuses_misuse(x: torch.Tensor) -> None:
    before = x.clone()
    central_difference(relu_squared, x)
    assert torch.equal(x, before)
    with pytest.raises(ValueError, match="grad_output"):
        central_difference(torch.relu, x)
    with pytest.raises(ValueError, match="positive"):
        central_difference(relu_squared, x, h=0.0)


def test_compare_gradients_passes_right_and_fails_wrong(x: torch.Tensor) -> None:
    right = check_gradient(relu_squared, x, 2 * x.relu())
    assert right.ok and right.relative_error < 1e-7
    assert right.describe().startswith("gradcheck passed")
    wrong = 2 * x.relu()
    wrong[1, 2] += 1e-3  # one element off: the report must point at it
    report = check_gradient(relu_squared, x, wrong)
    assert not report.ok and report.worst_index == (1, 2)
    assert report.analytic == pytest.approx(wrong[1, 2].item())
    assert report.numeric == pytest.approx(2 * x[1, 2].relu().item(), abs=1e-8)
    assert "worst at gradient[1, 2]" in report.describe()


def test_compare_gradients_uses_the_course_convention() -> None:
    # max|a-b| / max(1e-8, |a|+|b|): 1e-8 / 2 passes, 1e-6 / 2 does not
    one = torch.tensor([1.0], dtype=torch.float64)
    assert compare_gradients(one + 1e-8, one).ok
    report = compare_gradients(one + 1e-6, one)
    assert not report.ok and report.relative_error == pytest.approx(5e-7, rel=1e-6)
    assert compare_gradients(1e-16, 0.0).ok  # near-zero gradients meet the 1e-8 floor
    assert not compare_gradients(1e-12, 0.0).ok
    assert compare_gradients(0.5, 0.5).worst_index == ()


@pytest.mark.parametrize(
    ("analytic", "numeric", "problem"),
    [
        (torch.ones(2), torch.ones(3), "shapes differ"),
        (torch.tensor([1.0, math.nan]), torch.ones(2), "analytic gradient is not finite at [1]"),
        (torch.ones(2), torch.tensor([math.inf, 1.0]), "numeric gradient is not finite at [0]"),
        ("not a tensor", torch.ones(2), "not a real tensor"),
    ],
)
def test_compare_gradients_reports_odd_input(
    analytic: object, numeric: torch.Tensor, problem: str
) -> None:
    report = compare_gradients(analytic, numeric)  # type: ignore[arg-type]
    assert isinstance(report, GradcheckReport) and not report.ok
    assert problem in report.describe()


def test_away_from_kinks() -> None:
    x = torch.tensor([0.0, -0.0, 5e-4, -5e-4, 1e-3, 0.25, -3.0], dtype=torch.float64)
    nudged = away_from_kinks(x)
    assert nudged.tolist() == [2e-3, -2e-3, 2e-3, -2e-3, 2e-3, 0.25, -3.0]
    assert nudged.dtype == x.dtype and bool((nudged.abs() > 1e-3).all())
    assert away_from_kinks(torch.tensor([0, 3])).tolist() == [2e-3, 3.0]
    leaf = torch.zeros(2, requires_grad=True)
    assert not away_from_kinks(leaf, margin=0.1).requires_grad
    with pytest.raises(ValueError):
        away_from_kinks(x, margin=0.0)
