"""exercise1 public checks: the graph a = relu(w*x + b) at the lecture's (x, w, b) = (3, 2, 1).

Both functions return (a, {"x": da/dx, "w": da/dw, "b": da/db}). Expected values are the
lecture's: u = 6, v = 7, a = 7, da/dx = 2, da/dw = 3, da/db = 1; and at (-1, 1, 1), where
v = 0 exactly, a = 0 and every gradient is 0 (relu'(0) = 0).
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
from grader.authoring.diagnose import relu_grad_at_zero

Graph = tuple[float, dict[str, float]]
LECTURE = (3.0, 2.0, 1.0)
KINK = (-1.0, 1.0, 1.0)
FUNCTIONS = ("graph_autograd", "graph_manual")
SLIDE = "Lecture 06, computation graphs"


def expected_graph(x: float, w: float, b: float) -> Graph:
    """The answer by the chain rule, in float64 (relu'(v) = 0 for v <= 0)."""
    v = w * x + b
    slope = 1.0 if v > 0 else 0.0
    return max(v, 0.0), {"x": slope * w + 0.0, "w": slope * x + 0.0, "b": slope}


def read_graph(value: Any, name: str) -> Graph:
    """(a, {"x", "w", "b"}) with float entries, or InvalidAnswer."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise InvalidAnswer(f"{name} should return a pair (a, grads), got {type(value).__name__}")
    a, grads = value
    if not isinstance(grads, dict) or sorted(grads) != ["b", "w", "x"]:
        shown = sorted(grads) if isinstance(grads, dict) else type(grads).__name__
        raise InvalidAnswer(f'{name}: grads should be a dict with keys "x", "w", "b", got {shown}')
    return as_float(a, f"{name}: a"), {k: as_float(grads[k], f"{name}: da/d{k}") for k in "xwb"}


def wrong_entries(got: Graph, expected: Graph) -> list[str]:
    """Names of the entries (a, da/dx, ...) that differ beyond the float64 tolerance."""
    names = ["a", *(f"da/d{k}" for k in "xwb")]
    gots = [got[0], *(got[1][k] for k in "xwb")]
    expecteds = [expected[0], *(expected[1][k] for k in "xwb")]
    return [name for name, g, e in zip(names, gots, expecteds, strict=True) if not within(g, e)]


def explain_graph(
    got: Graph, expected: Graph, inputs: tuple[float, float, float]
) -> Diagnosis | None:
    """The misconception that fits a wrong answer to the graph, if one does."""
    x, w, b = inputs
    g, e = got[1], expected[1]
    where = f"(x, w, b) = {inputs}: v = w*x + b = {w * x + b:g}"
    if w * x + b == 0:
        found = relu_grad_at_zero(
            torch.tensor([g[k] for k in "xwb"]),
            torch.tensor([e[k] for k in "xwb"]),
            torch.zeros(3),
            grad_output=torch.tensor([w, x, 1.0]),
        )
        if found is not None:
            return found.model_copy(update={"evidence": f"{where}, your da/db = {g['b']:g}"})
    if x != w and _close(g["x"], e["w"]) and _close(g["w"], e["x"]) and _close(g["b"], e["b"]):
        return Diagnosis(
            code="partials_swapped",
            title="da/dx and da/dw swapped",
            slide=f"{SLIDE}: u = w*x",
            explanation="du/dx = w and du/dw = x: the derivative of the product with respect to "
            "one factor is the other factor.",
            evidence=where,
        )
    if w * x + b < 0 and _scaled_chain(g, 1.0, inputs):
        return Diagnosis(
            code="relu_derivative_ignored",
            title="relu'(v) left out of the chain",
            slide=f"{SLIDE}: drelu(v)/dv",
            evidence=where,
            explanation="Your gradients are (w, x, 1) as if relu'(v) were 1, but v < 0: "
            "the unit is off, a = 0 and relu'(v) = 0, so every gradient is 0.",
        )
    return None


def expect_graph(
    got: Any,
    inputs: tuple[float, float, float],
    name: str,
    *,
    value: bool = True,
    sub: Submission | None = None,
) -> None:
    """Fail unless `got` is the right (a, grads) at `inputs`; the first line names no inputs.

    With `sub`, a wrong answer is first tested for gradients carried over from earlier calls
    (two calls in a row that differ by the right gradient): those are wrong at every input,
    and at the kink or where the unit is off they look like a relu' mistake."""
    answer, expected = read_graph(got, name), expected_graph(*inputs)
    wrong = [entry for entry in wrong_entries(answer, expected) if value or entry != "a"]
    if wrong:
        carried = carried_over(sub, name) if sub is not None else None
        fail(
            f"{name}: {', '.join(wrong)} wrong\nat (x, w, b) = {inputs}",
            expected=expected,
            got=answer,
            diagnosis=carried or explain_graph(answer, expected, inputs),
        )


def _scaled_chain(grads: dict[str, float], slope: float, inputs: tuple[float, ...]) -> bool:
    """The gradients are slope * (w, x, 1): the right chain with relu'(v) taken as `slope`."""
    x, w, _ = inputs
    return all(_close(grads[k], slope * f) for k, f in zip("xwb", (w, x, 1.0), strict=True))


def _close(a: float, b: float) -> bool:
    return within(a, b)


def read_passes(runs: Any) -> dict[str, int]:
    """The backward-pass counts a probe reported ("grad", "backward", "unseen"), or
    InvalidAnswer. "unseen" passes ran without going through the engine's entry point (a
    reference to the engine saved at import): the count is then known to be incomplete."""
    keys = ("grad", "backward", "unseen")
    if not isinstance(runs, dict) or not all(type(runs.get(k)) is int for k in keys):
        raise InvalidAnswer("the backward-pass probe returned no counts")
    return {k: runs[k] for k in keys}


UNSEEN = (
    "{name} ran backward passes that bypassed torch.autograd's entry points (a saved "
    "reference to autograd's engine?); they cannot be attributed, so the check fails"
)


@check(points=1)
def autograd_forward_value(sub: Submission) -> None:
    """graph_autograd: a = relu(2*3 + 1) = 7 at the lecture's (x, w, b) = (3, 2, 1)."""
    a, _ = read_graph(sub.call("graph_autograd", *LECTURE), "graph_autograd")
    if not _close(a, 7.0):
        fail(
            "graph_autograd: the forward value a is wrong "
            "(u = w*x = 6, v = u + b = 7, a = relu(v))",
            expected=7.0,
            got=a,
        )


@check(points=2)
def autograd_gradients(sub: Submission) -> None:
    """graph_autograd: da/dx = 2, da/dw = 3, da/db = 1 at (x, w, b) = (3, 2, 1)."""
    answer = sub.call("graph_autograd", *LECTURE)
    expect_graph(answer, LECTURE, "graph_autograd", value=False, sub=sub)


@check(points=0, fact=True)
def autograd_uses_grad(sub: Submission) -> None:
    """graph_autograd gets its gradients from torch.autograd.grad, not .backward()."""
    runs = read_passes(sub.probe("backward_passes", "graph_autograd", *LECTURE))
    if runs["unseen"]:
        fail(UNSEEN.format(name="graph_autograd"), expected={"unseen": 0}, got=runs)
    if runs["backward"]:
        fail(
            "graph_autograd ran .backward() (or torch.autograd.backward), which accumulates "
            "into the leaves' .grad; torch.autograd.grad returns the gradients and leaves no "
            ".grad behind",
            expected={"grad": 1, "backward": 0},
            got=runs,
        )
    if not runs["grad"]:
        fail(
            "graph_autograd did not run autograd at all: build the graph from tensors with "
            "requires_grad=True and call torch.autograd.grad",
            expected={"grad": 1},
            got=runs,
        )


@check(points=2)
def manual_matches_lecture(sub: Submission) -> None:
    """graph_manual: a = 7 and da/dx = 2, da/dw = 3, da/db = 1 at (x, w, b) = (3, 2, 1)."""
    expect_graph(sub.call("graph_manual", *LECTURE), LECTURE, "graph_manual", sub=sub)


@check(points=0, fact=True)
def manual_uses_no_autograd(sub: Submission) -> None:
    """graph_manual applies the chain rule itself: no backward pass runs."""
    runs = read_passes(sub.probe("backward_passes", "graph_manual", *LECTURE))
    if any(runs.values()):
        fail(
            "graph_manual ran autograd; here the point is to multiply the local derivatives "
            "yourself, node by node",
            expected={"grad": 0, "backward": 0, "unseen": 0},
            got=runs,
        )


@check(points=2)
def relu_derivative_at_zero(sub: Submission) -> None:
    """At (x, w, b) = (-1, 1, 1), v = 0: a = 0 and every gradient is 0, since relu'(0) = 0."""
    for name in FUNCTIONS:
        # Gradients carried over from earlier calls are wrong at the kink too, where they
        # look like a relu'(0) mistake: `sub` has expect_graph rule accumulation out first.
        expect_graph(sub.call(name, *KINK), KINK, name, sub=sub)
        expect_not_zero_everywhere(sub, name)


def expect_not_zero_everywhere(
    sub: Submission, name: str, at: tuple[float, float, float] = LECTURE
) -> None:
    """Fail if `name` answers all zeros at `at` too, where the unit is on: where the right
    answer is all zeros (the kink, a unit that is off), a function that returns zeros for
    every input would be right by accident. A hidden check passes a point of its own: the
    lecture's answer can be hard-coded."""
    a, grads = read_graph(sub.call(name, *at), name)
    if not any(not within(value, 0.0) for value in (a, *grads.values())):
        fail(
            f"{name} returns a = 0 and zero gradients at (x, w, b) = {at} too, where "
            f"a = {expected_graph(*at)[0]:g}: an answer of zeros is right here only by accident",
            expected=expected_graph(*at),
            got=(a, grads),
        )


@check(points=1)
def repeated_calls_agree(sub: Submission) -> None:
    """Two calls in a row give the same answer (nothing carries over from one call to the next)."""
    for name in FUNCTIONS:
        first, second = (
            read_graph(answer, name) for answer in sub.probe("called_twice", name, *LECTURE)
        )
        # The second answer is held to the judge's own value, not to the first answer: an
        # agreement of two replies from the sandbox is as forgeable as a fact.
        right = expected_graph(*LECTURE)
        if wrong_entries(second, right) and wrong_entries(first, right):
            fail(
                f"{name}: the second of two calls at (x, w, b) = {LECTURE} is wrong too",
                expected=right,
                got=second,
                diagnosis=_accumulated(first, second),
            )
        if wrong_entries(second, right):
            fail(
                f"{name}: two calls in a row at (x, w, b) = {LECTURE} gave different answers; "
                "state from earlier calls (a cached tensor, an accumulated .grad) leaks into "
                "later ones",
                expected=first,
                got=second,
                diagnosis=_accumulated(first, second),
            )


def carried_over(sub: Submission, name: str) -> Diagnosis | None:
    """The accumulation diagnosis when two calls in a row at the lecture's inputs differ by
    exactly the right gradient (.grad never reset); None otherwise."""
    first, second = (
        read_graph(answer, name) for answer in sub.probe("called_twice", name, *LECTURE)
    )
    return _accumulated(first, second) if wrong_entries(second, first) else None


def _accumulated(first: Graph, second: Graph) -> Diagnosis | None:
    """Each call adds the true gradient on top of the last one's: .grad never reset."""
    right = expected_graph(*LECTURE)[1]
    if all(_close(second[1][k] - first[1][k], right[k]) for k in "xwb"):
        return Diagnosis(
            code="accumulated_gradients",
            title=".grad accumulates across calls",
            slide="Lecture 06, training loop: optimizer.zero_grad()",
            explanation="Each call's gradients are the previous call's plus the right answer: "
            ".backward() adds into the .grad of tensors that outlive the call. Make fresh "
            "tensors per call and use torch.autograd.grad.",
            evidence=f"(x, w, b) = {LECTURE}, called twice",
        )
    return None
