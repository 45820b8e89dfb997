"""exercise4 hidden checks: the three methods at inputs the public checks never use.

Inputs are seeded random multiples of 1/16 (exact in float32 and float64) with |w*x + b| >=
1/4, away from the ReLU kink (hidden_inactive_unit visits the kink itself); the answer readers
and diagnoses are the public checks' own.
"""

from __future__ import annotations

import torch

from grader.authoring import Diagnosis, Submission, check, fail, within

METHODS = ("grad_tuple", "retain_grad", "hooks")
ACTIVE = (-1.25, 2.5, 4.0)  # v = 0.875: the unit is on; gradients 2.5, -1.25, 1, 1, 1


def random_triples(seed: int, count: int) -> list[tuple[float, float, float]]:
    """(x, w, b) in multiples of 1/16 within [-4, 4], with |w*x + b| >= 1/4."""
    generator = torch.Generator().manual_seed(seed)
    triples: list[tuple[float, float, float]] = []
    while len(triples) < count:
        x, w, b = (torch.randint(-64, 65, (3,), generator=generator) / 16).tolist()
        if abs(w * x + b) >= 0.25 and x != w:  # fail-closed: inputs
            triples.append((x, w, b))
    return triples


@check(points=2)
def hidden_random_inputs(sub: Submission) -> None:
    """Every method gives the five gradients at random (x, w, b)."""
    public = sub.exercise.module("checks")
    for inputs in random_triples(seed=4, count=3):
        for method in METHODS:
            public.expect_grads(sub.call("intermediate_grads", *inputs, method), method, inputs)


KINK = (-1.0, 1.0, 1.0)  # v = w*x + b = 0 exactly, as in exercise1
RELU_GRAD_ONE_AT_ZERO = Diagnosis(
    code="relu_grad_one_at_zero",
    title="relu'(0) taken as 1",
    slide="Lecture 06, computation graphs: the side-note on relu'(0)",
    explanation="Lecture 06, computation graphs: at v = 0 exactly, relu'(0) = 0 (the "
    "side-note's convention, and torch.relu's). torch.clamp(v, min=0) and a test v >= 0 "
    "pass the gradient through at 0; use torch.relu.",
)


@check(points=1)
def hidden_inactive_unit(sub: Submission) -> None:
    """Where w*x + b <= 0 (the unit off, or exactly at the kink), relu'(v) = 0 and all five
    gradients are 0, by every method."""
    public = sub.exercise.module("checks")
    inputs = (1.75, -2.5, 1.5)
    for method in METHODS:
        public.expect_grads(sub.call("intermediate_grads", *inputs, method), method, inputs)
        # zeros are right here: the unit must also be on at a point no public check uses
        public.expect_not_zero_everywhere(sub, method, ACTIVE)
    for method in METHODS:
        answer = public.read_grads(sub.call("intermediate_grads", *KINK, method), method)
        if public.wrong_keys(answer, public.expected_grads(*KINK)):
            passed_through = answer["v"] is not None and within(answer["v"], 1.0)
            fail(
                f'method "{method}": the gradients are wrong where v = 0 exactly',
                expected=public.expected_grads(*KINK),
                got=answer,
                diagnosis=RELU_GRAD_ONE_AT_ZERO if passed_through else None,
            )
