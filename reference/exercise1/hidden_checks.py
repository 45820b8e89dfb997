"""exercise1 hidden checks: the same graph at inputs the public checks never use.

Inputs are seeded random multiples of 1/16, so every product and sum is exact in float32 and
float64 alike, and |v| >= 1/4 keeps them away from the ReLU kink. Expected values come from the
chain rule judge-side; the answer readers and diagnoses are the public checks' own.
"""

from __future__ import annotations

import torch

from grader.authoring import Submission, check

FUNCTIONS = ("graph_autograd", "graph_manual")
ACTIVE = (1.25, -2.0, 3.0)  # v = 0.5: a = 0.5, da/dx = -2, da/dw = 1.25, da/db = 1


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
def hidden_random_triples(sub: Submission) -> None:
    """Both functions agree with the chain rule at random (x, w, b), on both sides of the kink."""
    public = sub.exercise.module("checks")
    for inputs in random_triples(seed=6, count=6):
        for name in FUNCTIONS:
            public.expect_graph(sub.call(name, *inputs), inputs, name, sub=sub)


@check(points=1)
def hidden_inactive_unit(sub: Submission) -> None:
    """Where w*x + b < 0 the unit is off: a = 0 and every gradient is 0."""
    public = sub.exercise.module("checks")
    inputs = (2.5, -1.5, 0.75)
    for name in FUNCTIONS:
        public.expect_graph(sub.call(name, *inputs), inputs, name, sub=sub)
        # zeros are right here: the unit must also be on where it is on, at a point the
        # public checks never use (an answer hard-coding the lecture's numbers knows those)
        public.expect_not_zero_everywhere(sub, name, ACTIVE)
