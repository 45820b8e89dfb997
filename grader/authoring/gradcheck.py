"""Numeric gradient checks: central differences in float64, judged by docs/course.md's convention.

Judge-side only: `central_difference` calls `f`, so `f` must be trusted, such as the
reference solution or a function of numbers that already came back from the sandbox. Never
pass it student code.

The convention (micrograd, MiniTorch, CS231n, `torch.autograd.gradcheck`): perturb each
element by h = 1e-6 in float64, take (f(x + h) - f(x - h)) / 2h, and accept an analytic
gradient when max|a - b| / max(1e-8, |a| + |b|) < 1e-7, with inputs kept away from the kinks
of ReLU (|x| > 1e-3, see `away_from_kinks`).

    report = check_gradient(reference_loss, away_from_kinks(torch.randn(3, 4)), student_grad)
    if not report.ok:
        fail(report.describe())
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import numpy
import torch

from grader.authoring.expect import relative_error
from grader.authoring.ledger import compared

H = 1e-6
TOLERANCE = 1e-7
KINK_MARGIN = 1e-3

ScalarFunction: TypeAlias = Callable[[torch.Tensor], torch.Tensor | float]


@dataclass(frozen=True)
class GradcheckReport:
    """The verdict of one gradient check and the element that decides it."""

    ok: bool
    relative_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    tolerance: float = TOLERANCE
    problem: str = ""

    def describe(self) -> str:
        """One line of feedback: passed, or failed with the worst element."""
        if self.problem:
            return f"gradcheck failed: {self.problem}"
        if self.ok:
            return (
                f"gradcheck passed: relative error {self.relative_error:.3g} < {self.tolerance:g}"
            )
        where = "[" + ", ".join(map(str, self.worst_index)) + "]" if self.worst_index else ""
        return (
            f"gradcheck failed: relative error {self.relative_error:.3g} (must be below "
            f"{self.tolerance:g}); worst at gradient{where}: analytic {self.analytic:.8g}, "
            f"numeric {self.numeric:.8g}"
        )


def central_difference(
    f: ScalarFunction,
    x: torch.Tensor | float,
    h: float = H,
    grad_output: torch.Tensor | None = None,
) -> torch.Tensor:
    """d f / d x, element by element, as (f(x + h e_i) - f(x - h e_i)) / 2h in float64.

    `f` takes a float64 tensor of x's shape and returns one number; for a tensor-valued `f`,
    pass `grad_output` and the result is the gradient of sum(f(x) * grad_output), the
    vector-Jacobian product that `backward` computes.
    """
    if h <= 0:
        raise ValueError(f"the step h must be positive, got {h}")
    point = torch.as_tensor(x).detach().to(torch.float64).clone().contiguous()
    weights = None if grad_output is None else grad_output.detach().to(torch.float64)
    grad = torch.zeros_like(point)
    flat_point, flat_grad = point.view(-1), grad.view(-1)
    with torch.no_grad():
        for i in range(point.numel()):
            centre = flat_point[i].item()
            flat_point[i] = centre + h
            plus = _scalar(f(point.clone()), weights)
            flat_point[i] = centre - h
            minus = _scalar(f(point.clone()), weights)
            flat_point[i] = centre
            flat_grad[i] = (plus - minus) / (2 * h)
    return grad


def compare_gradients(
    analytic: torch.Tensor | float,
    numeric: torch.Tensor | float,
    tolerance: float = TOLERANCE,
) -> GradcheckReport:
    """Judge an analytic gradient against a numeric one; never raises on odd input.

    The verdict is a value comparison (grader.authoring.evidence records it)."""
    report = _compare(analytic, numeric, tolerance)
    compared(report.ok)
    return report


def _compare(
    analytic: torch.Tensor | float, numeric: torch.Tensor | float, tolerance: float
) -> GradcheckReport:
    try:
        a = torch.as_tensor(analytic).detach().to(device="cpu", dtype=torch.float64)
        n = torch.as_tensor(numeric).detach().to(device="cpu", dtype=torch.float64)
    except Exception:  # whatever it is, it is not a gradient: report, do not raise
        return _failed("the analytic gradient is not a real tensor", tolerance)
    if a.shape != n.shape:
        shapes = f"analytic {tuple(a.shape)}, numeric {tuple(n.shape)}"
        return _failed(f"the shapes differ: {shapes}", tolerance)
    if a.numel() == 0:
        return GradcheckReport(True, 0.0, (), 0.0, 0.0, tolerance)
    for name, tensor in (("analytic", a), ("numeric", n)):
        if not bool(torch.isfinite(tensor).all()):
            flat = int(torch.nonzero(~torch.isfinite(tensor).flatten())[0].item())
            index = _index(a.shape, flat)
            problem = f"the {name} gradient is not finite at {list(index)}"
            return _failed(problem, tolerance, index, a.flatten()[flat], n.flatten()[flat])
    error = relative_error(a, n)
    flat = int((a - n).abs().flatten().argmax().item())
    worst = a.flatten()[flat].item(), n.flatten()[flat].item()
    ok = math.isfinite(error) and error < tolerance
    return GradcheckReport(ok, error, _index(a.shape, flat), *worst, tolerance)


def check_gradient(
    f: ScalarFunction,
    x: torch.Tensor | float,
    analytic: torch.Tensor | float,
    *,
    h: float = H,
    tolerance: float = TOLERANCE,
    grad_output: torch.Tensor | None = None,
) -> GradcheckReport:
    """`compare_gradients(analytic, central_difference(f, x, h, grad_output))`."""
    numeric = central_difference(f, x, h, grad_output)
    return compare_gradients(analytic, numeric, tolerance)


def away_from_kinks(x: torch.Tensor, margin: float = KINK_MARGIN) -> torch.Tensor:
    """x with every element within `margin` of 0 moved to +-2*margin, keeping its sign.

    Keeps central differences off ReLU's kink: afterwards every |x| > margin. Other
    elements, the shape and a floating dtype are kept; the result is detached.
    """
    if margin <= 0:
        raise ValueError(f"the margin must be positive, got {margin}")
    t = x.detach() if x.is_floating_point() else x.detach().to(torch.float64)
    nudged = torch.full_like(t, 2 * margin).copysign(t)
    return torch.where(t.abs() <= margin, nudged, t)


def _scalar(value: torch.Tensor | float, weights: torch.Tensor | None) -> float:
    out = torch.as_tensor(value).detach().to(torch.float64)
    if weights is None:
        if out.numel() != 1:
            raise ValueError(
                f"f returned shape {tuple(out.shape)}; pass grad_output for a tensor-valued f"
            )
        return float(out.item())
    if out.shape != weights.shape:
        raise ValueError(f"f returned shape {tuple(out.shape)}, grad_output {tuple(weights.shape)}")
    return float((out * weights).sum().item())


def _index(shape: torch.Size, flat: int) -> tuple[int, ...]:
    if len(shape) == 0:
        return ()
    # numpy's, not torch.unravel_index: that one imports torch's symbolic shapes (and sympy)
    return tuple(int(i) for i in numpy.unravel_index(flat, tuple(shape)))


def _failed(
    problem: str,
    tolerance: float,
    index: tuple[int, ...] = (),
    analytic: torch.Tensor | float = math.nan,
    numeric: torch.Tensor | float = math.nan,
) -> GradcheckReport:
    return GradcheckReport(
        False, math.inf, index, float(analytic), float(numeric), tolerance, problem
    )
