"""exercise5 hidden checks: the weight-sharing graph at inputs the public checks never use.

Seeded random (x1, w1, y) with |x1| away from 1 and 2, so a missing x1 factor cannot hide
behind x1 = 1 or pass for the 2 of the power rule. Expected values come from autograd in
float64 (the public checks' `autograd_paths`), as do the answer readers and diagnoses.
"""

from __future__ import annotations

import torch

from grader.authoring import Submission, check


def random_inputs(seed: int, count: int) -> list[tuple[float, float, float]]:
    """(x1, w1, y) with 0.3 <= |x1| <= 3 away from 1 and 2, |w1| <= 1.5, y in [-1, 1]."""
    generator = torch.Generator().manual_seed(seed)
    found: list[tuple[float, float, float]] = []
    while len(found) < count:
        u = torch.rand(3, generator=generator, dtype=torch.float64).tolist()
        x1, w1, y = (6 * u[0] - 3, 3 * u[1] - 1.5, 2 * u[2] - 1)
        away = min(abs(abs(x1) - 1), abs(abs(x1) - 2))  # from 1 and 2
        if 0.3 <= abs(x1) and away > 0.2 and abs(w1) > 0.1:  # fail-closed: inputs
            found.append((round(x1, 4), round(w1, 4), round(y, 4)))
    return found


@check(points=2)
def hidden_paths_at_other_inputs(sub: Submission) -> None:
    """By hand, both path terms and their sum are right at other (x1, w1, y)."""
    public = sub.exercise.module("checks")
    for inputs in random_inputs(seed=5, count=4):
        got = public.read_paths(sub.call("shared_weight_grads", *inputs))
        expected = public.autograd_paths(*inputs)
        public.expect_term(got[0], expected, 0, inputs)
        public.expect_term(got[1], expected, 1, inputs)
        public.expect_total(got[2], expected, inputs, "shared_weight_grads")


@check(points=1)
def hidden_autograd_at_other_inputs(sub: Submission) -> None:
    """With autograd, dl/dw1 is right at other (x1, w1, y)."""
    public = sub.exercise.module("checks")
    for inputs in random_inputs(seed=55, count=3):
        got = sub.call("shared_weight_autograd", *inputs)
        public.expect_total(got, public.autograd_paths(*inputs), inputs, "shared_weight_autograd")
