"""exercise5 public checks: the weight-sharing graph at the lecture's (x1, w1, y) = (2, 0.5, 1).

Expected values come from autograd in float64 with w1 split into one copy per path, so the
gradient of each copy is that path's term: upper -0.26547441551, lower -0.54433233382, total
-0.80980674934. Hand-derived answers must agree to a relative error of 1e-10.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.authoring import (
    Diagnosis,
    InvalidAnswer,
    Submission,
    as_float,
    check,
    fail,
    within,
)
from grader.authoring.diagnose import diagnose_gradient, path_cut

Paths = tuple[float, float, float]
LECTURE = (2.0, 0.5, 1.0)
TOLERANCE = 1e-10


def autograd_paths(x1: float, w1: float, y: float) -> Paths:
    """(upper, lower, dl/dw1) by autograd in float64, w1 copied once per path."""
    upper_w, lower_w = (torch.tensor(w1, dtype=torch.float64, requires_grad=True) for _ in "ul")
    x = torch.tensor(x1, dtype=torch.float64)
    output = torch.sigmoid(upper_w * x) * torch.tanh(lower_w * x)
    loss = (y - output) ** 2
    upper, lower = (g.item() for g in torch.autograd.grad(loss, (upper_w, lower_w)))
    return upper, lower, upper + lower


def read_paths(value: Any) -> Paths:
    """shared_weight_grads' (upper, lower, total) as floats, or InvalidAnswer."""
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise InvalidAnswer(
            f"shared_weight_grads should return (upper, lower, dl/dw1), got {type(value).__name__}"
            + (f" of {len(value)} items" if isinstance(value, (tuple, list)) else "")
        )
    upper, lower, total = (
        as_float(v, f"shared_weight_grads: {n}")
        for v, n in zip(value, ("upper", "lower", "dl/dw1"), strict=True)
    )
    return upper, lower, total


def explain_term(got: float, expected: Paths, which: int) -> Diagnosis | None:
    """A path term that is the other path's term."""
    other = expected[1 - which]
    if within(got, other, rel=TOLERANCE):
        return Diagnosis(
            code="paths_swapped",
            title="upper and lower path swapped",
            slide="Lecture 06, graph with weight sharing",
            explanation="The upper path goes through a1 = sigmoid(z1), the lower one through "
            "a2 = tanh(z1); your term is the other path's.",
        )
    return None


def missing_x1(got: float, expected: float, x1: float) -> Diagnosis | None:
    """The answer times x1 is right: dz1/dw1 = x1 was left out of the chain."""
    if x1 in (1.0, -1.0) or expected == 0 or not within(got * x1, expected, rel=TOLERANCE):
        return None
    also = " (or, since x1 = 2 here, the 2 of d(y - o)^2/do)" if x1 in (2.0, -2.0) else ""
    return Diagnosis(
        code="missing_x1",
        title="the factor dz1/dw1 = x1 is missing",
        slide="Lecture 06, graph with weight sharing",
        explanation=f"Your value is the right one divided by x1{also}: every path ends with "
        "dz1/dw1 = x1, because z1 = w1 * x1.",
    )


def explain(
    got: float, expected: Paths, which: int, inputs: Paths, *, autograd: bool = False
) -> Diagnosis | None:
    """The misconception behind a wrong term (which = 0, 1) or total (which = 2), if one fits.
    An `autograd` total that lacks a path was cut there (.detach(), .data): autograd itself
    never forgets a path."""
    paths = {"upper": expected[0], "lower": expected[1]}
    if autograd and which == 2:
        return _at(path_cut(got, expected[2], paths), inputs) or explain(got, expected, 2, inputs)
    found = explain_term(got, expected, which) if which < 2 else None
    found = found or missing_x1(got, expected[which], inputs[0])
    found = found or diagnose_gradient(got, expected[which], paths=paths if which == 2 else None)
    return _at(found, inputs)


def expect_term(got: float, expected: Paths, which: int, inputs: Paths) -> None:
    """Fail unless the upper (0) or lower (1) term is right; the first line names no inputs."""
    name = ("upper-path term", "lower-path term")[which]
    if not within(got, expected[which], rel=TOLERANCE):
        fail(
            f"shared_weight_grads: the {name} is wrong\nat (x1, w1, y) = {inputs}",
            expected=expected[which],
            got=got,
            diagnosis=explain(got, expected, which, inputs),
        )


def expect_total(got: Any, expected: Paths, inputs: Paths, name: str) -> None:
    """Fail unless dl/dw1 is right, naming a missing or multiplied path where one fits (for
    shared_weight_autograd, a missing path is a cut graph)."""
    total = as_float(got, f"{name}: dl/dw1")
    if not within(total, expected[2], rel=TOLERANCE):
        fail(
            f"{name}: dl/dw1 is wrong\nat (x1, w1, y) = {inputs}",
            expected=expected[2],
            got=total,
            diagnosis=explain(total, expected, 2, inputs, autograd=name.endswith("autograd")),
        )


def _at(diagnosis: Diagnosis | None, inputs: Paths) -> Diagnosis | None:
    """The diagnosis with the inputs named in its evidence."""
    if diagnosis is None:
        return None
    shown = f"(x1, w1, y) = {inputs}" + (f": {diagnosis.evidence}" if diagnosis.evidence else "")
    return diagnosis.model_copy(update={"evidence": shown})


@check(points=1)
def upper_path_term(sub: Submission) -> None:
    """The upper path (through a1 = sigmoid(z1)) contributes -0.26547441551 at (2, 0.5, 1)."""
    got = read_paths(sub.call("shared_weight_grads", *LECTURE))
    expect_term(got[0], autograd_paths(*LECTURE), 0, LECTURE)


@check(points=2)
def lower_path_term(sub: Submission) -> None:
    """The lower path (through a2 = tanh(z1)) contributes -0.54433233382 at (2, 0.5, 1)."""
    got = read_paths(sub.call("shared_weight_grads", *LECTURE))
    expect_term(got[1], autograd_paths(*LECTURE), 1, LECTURE)


@check(points=2)
def total_is_sum_of_paths(sub: Submission) -> None:
    """By hand, dl/dw1 = upper + lower = -0.80980674934 at (x1, w1, y) = (2, 0.5, 1)."""
    got = read_paths(sub.call("shared_weight_grads", *LECTURE))
    expect_total(got[2], autograd_paths(*LECTURE), LECTURE, "shared_weight_grads")


def read_passes(runs: Any) -> dict[str, int]:
    """The backward-pass counts a probe reported ("grad", "backward", "unseen"), or
    InvalidAnswer. "unseen" passes ran without going through the engine's entry point (a
    reference to the engine saved at import): the count is then known to be incomplete."""
    keys = ("grad", "backward", "unseen")
    if not isinstance(runs, dict) or not all(type(runs.get(k)) is int for k in keys):
        raise InvalidAnswer("the backward-pass probe returned no counts")
    return {k: runs[k] for k in keys}


@check(points=0, fact=True)
def manual_uses_no_autograd(sub: Submission) -> None:
    """shared_weight_grads applies the chain rule itself: no backward pass runs."""
    runs = read_passes(sub.probe("backward_passes", "shared_weight_grads", *LECTURE))
    if any(runs.values()):
        fail(
            "shared_weight_grads ran autograd; here the point is to multiply the local "
            "derivatives along each path yourself",
            expected={"grad": 0, "backward": 0, "unseen": 0},
            got=runs,
        )


@check(points=2)
def autograd_total(sub: Submission) -> None:
    """With autograd, dl/dw1 = -0.80980674934 at (x1, w1, y) = (2, 0.5, 1)."""
    got = sub.call("shared_weight_autograd", *LECTURE)
    expect_total(got, autograd_paths(*LECTURE), LECTURE, "shared_weight_autograd")


@check(points=0, fact=True)
def autograd_runs_backward(sub: Submission) -> None:
    """shared_weight_autograd lets autograd compute the gradient (one backward pass)."""
    runs = read_passes(sub.probe("backward_passes", "shared_weight_autograd", *LECTURE))
    if not sum(runs.values()):
        fail(
            "shared_weight_autograd ran no backward pass: build the graph from tensors with "
            "requires_grad=True and call .backward() or torch.autograd.grad",
            expected="at least one backward pass",
            got=runs,
        )
