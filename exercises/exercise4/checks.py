"""exercise4 public checks: da/dx, da/dw, da/db, da/du, da/dv by each of the three methods.

Expected values are the lecture's: at (x, w, b) = (3, 2, 1) they are 2, 3, 1, 1, 1. A method
that returns None for an intermediate gradient (reading .grad of a non-leaf without
retain_grad) fails with that diagnosis rather than counting as a malformed answer.
"""

from __future__ import annotations

from typing import Any

from grader.authoring import (
    Diagnosis,
    InvalidAnswer,
    Submission,
    as_float,
    check,
    fail,
    within,
)

Grads = dict[str, float | None]
KEYS = ("x", "w", "b", "u", "v")
METHODS = ("grad_tuple", "retain_grad", "hooks")
LECTURE = (3.0, 2.0, 1.0)
SECOND = (1.5, -2.0, 1.0)
SLIDE = "Lecture 06, gradients of intermediate variables"


def expected_grads(x: float, w: float, b: float) -> dict[str, float]:
    """The five gradients by the chain rule (relu'(v) = 0 for v <= 0)."""
    slope = 1.0 if w * x + b > 0 else 0.0
    return {"x": slope * w + 0.0, "w": slope * x + 0.0, "b": slope, "u": slope, "v": slope}


def read_grads(value: Any, method: str) -> Grads:
    """A dict with the five keys whose values are floats or None, or InvalidAnswer."""
    if not isinstance(value, dict) or sorted(value) != sorted(KEYS):
        shown = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise InvalidAnswer(
            f'intermediate_grads(..., "{method}") should return a dict with keys '
            f'"x", "w", "b", "u", "v", got {shown}'
        )
    return {k: None if value[k] is None else as_float(value[k], f"da/d{k}") for k in KEYS}


def missing_retain_grad(got: Grads, inputs: tuple[float, ...]) -> Diagnosis | None:
    """Some gradient is None: .grad of a non-leaf tensor read without retain_grad."""
    empty = [f"da/d{k}" for k in KEYS if got[k] is None]
    if not empty:
        return None
    return Diagnosis(
        code="retain_grad_missing",
        title=".grad of an intermediate tensor is None",
        slide=SLIDE,
        explanation=f"{SLIDE}: backward fills .grad of leaves only; {', '.join(empty)} came "
        "back None. Call u.retain_grad() and v.retain_grad() before a.backward().",
        evidence=f"(x, w, b) = {inputs}",
    )


def wrong_keys(got: Grads, expected: dict[str, float]) -> list[str]:
    """The gradients (as 'da/dk') that are None or differ beyond the float64 tolerance."""
    wrong = []
    for k in KEYS:
        value = got[k]
        if value is None or not within(value, expected[k]):
            wrong.append(f"da/d{k}")
    return wrong


def expect_grads(value: Any, method: str, inputs: tuple[float, float, float]) -> None:
    """Fail unless `value` holds the five right gradients; the first line names no inputs."""
    got, expected = read_grads(value, method), expected_grads(*inputs)
    wrong = wrong_keys(got, expected)
    if wrong:
        fail(
            f'method "{method}": {", ".join(wrong)} wrong\nat (x, w, b) = {inputs}',
            expected=expected,
            got=got,
            diagnosis=missing_retain_grad(got, inputs),
        )


def expect_not_zero_everywhere(
    sub: Submission, method: str, at: tuple[float, float, float] = LECTURE
) -> None:
    """Fail if `method` answers all zeros at `at` too, where the unit is on: where the unit is
    off every gradient is 0, and a function that returns zeros for every input would be right
    there by accident. A hidden check passes a point of its own: the lecture's answer can be
    hard-coded."""
    got = read_grads(sub.call("intermediate_grads", *at, method), method)
    if not any(value is not None and not within(value, 0.0) for value in got.values()):
        right = ", ".join(f"{value:g}" for value in expected_grads(*at).values())
        fail(
            f'method "{method}" returns zero gradients at (x, w, b) = {at} too, where '
            f"they are {right}: an answer of zeros is right only by accident",
            expected=expected_grads(*at),
            got=got,
        )


@check(points=2)
def grad_tuple_method(sub: Submission) -> None:
    """ "grad_tuple": the five gradients at (x, w, b) = (3, 2, 1) are 2, 3, 1, 1, 1."""
    expect_grads(sub.call("intermediate_grads", *LECTURE, "grad_tuple"), "grad_tuple", LECTURE)


@check(points=1)
def retain_grad_method(sub: Submission) -> None:
    """ "retain_grad": the five gradients at (x, w, b) = (3, 2, 1) are 2, 3, 1, 1, 1."""
    expect_grads(sub.call("intermediate_grads", *LECTURE, "retain_grad"), "retain_grad", LECTURE)


@check(points=2)
def hooks_method(sub: Submission) -> None:
    """ "hooks": the five gradients at (x, w, b) = (3, 2, 1) are 2, 3, 1, 1, 1."""
    expect_grads(sub.call("intermediate_grads", *LECTURE, "hooks"), "hooks", LECTURE)


@check(points=0, fact=True)
def grad_tuple_one_backward_pass(sub: Submission) -> None:
    """ "grad_tuple" gets all five gradients from a single torch.autograd.grad call."""
    runs = sub.probe("backward_passes", "grad_tuple", *LECTURE)
    counts = [runs.get(k) if isinstance(runs, dict) else None for k in ("grad", "backward")]
    unseen = runs.get("unseen") if isinstance(runs, dict) else None
    if not (type(unseen) is int and unseen == 0):
        fail(
            '"grad_tuple" ran backward passes that bypassed torch.autograd\'s entry points (a '
            "saved reference to autograd's engine?); they cannot be attributed",
            expected={"unseen": 0},
            got=runs,
        )
    if counts != [1, 0]:
        fail(
            '"grad_tuple" should run exactly one backward pass, torch.autograd.grad(a, '
            "(x, w, b, u, v)), which returns all five gradients at once",
            expected={"grad": 1, "backward": 0},
            got=runs,
        )


@check(points=0, fact=True)
def hooks_removed_afterwards(sub: Submission) -> None:
    """ "hooks" registers tensor hooks with register_hook and removes every one of them."""
    seen = sub.probe("hooks_left", "hooks", *LECTURE)
    keys = ("registered", "left")
    if not isinstance(seen, dict) or not all(type(seen.get(k)) is int for k in keys):
        raise InvalidAnswer("the hook probe returned no counts")
    if not seen["registered"]:
        fail(
            '"hooks" registered no tensor hook: use u.register_hook(fn) and v.register_hook(fn)',
            expected="at least one hook registered",
            got=seen,
        )
    if seen["left"] != 0:
        fail(
            '"hooks" left hooks registered after returning: keep the handle that '
            "register_hook returns and call handle.remove() once backward has run",
            expected={"left": 0},
            got=seen,
        )


@check(points=2)
def second_call_not_stale(sub: Submission) -> None:
    """Each method, called again with other inputs, answers for the new inputs (no stale state)."""
    for method in METHODS:
        answers = sub.probe("called_twice", method, list(LECTURE), list(SECOND))
        if not isinstance(answers, list) or len(answers) != 2:
            raise InvalidAnswer(f"the probe returned {type(answers).__name__}, not two answers")
        # The unit is off at SECOND, where every gradient is 0: the first call must be right
        # too, or a function that always returns zeros would pass for "no stale state".
        expect_grads(answers[0], method, LECTURE)
        got = read_grads(answers[1], method)
        wrong = wrong_keys(got, expected_grads(*SECOND))
        if wrong:
            fail(
                f'method "{method}": after a call at (x, w, b) = {LECTURE}, a call at '
                f"{SECOND} got {', '.join(wrong)} wrong",
                expected=expected_grads(*SECOND),
                got=got,
                diagnosis=stale_answer(got, method) or missing_retain_grad(got, SECOND),
            )


def stale_answer(got: Grads, method: str) -> Diagnosis | None:
    """The second call returned some of the first call's gradients instead of its own."""
    first, second = expected_grads(*LECTURE), expected_grads(*SECOND)
    stale = [f"da/d{k}" for k in KEYS if got[k] == first[k] != second[k]]
    if not stale:
        return None
    return Diagnosis(
        code="stale_state",
        title="gradients left over from the previous call",
        slide=SLIDE,
        explanation=f"{SLIDE}: {', '.join(stale)} of the second call equal the first call's. "
        "Something kept from one call to the next (a list the hooks append to, a module-level "
        "tensor) was read instead of this call's gradients.",
        evidence=f'method "{method}": (x, w, b) = {LECTURE}, then {SECOND}',
    )
