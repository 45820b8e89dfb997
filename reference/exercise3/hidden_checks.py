"""exercise3 hidden checks: the same rules and central differences on other functions and
points. Points are seeded random values in [0.4, 2.4] (away from 0, where log and the
quotients' denominators misbehave); the comparisons and diagnoses are the public checks' own.
"""

from __future__ import annotations

import torch

from grader.authoring import Submission, check


def random_points(seed: int, count: int) -> tuple[float, ...]:
    """`count` seeded points in [0.4, 2.4], rounded to 4 decimals."""
    generator = torch.Generator().manual_seed(seed)
    values = 0.4 + 2.0 * torch.rand(count, generator=generator, dtype=torch.float64)
    return tuple(round(v, 4) for v in values.tolist())


@check(points=1)
def hidden_central_difference(sub: Submission) -> None:
    """central_difference nudges only argument `arg` of a function of three variables."""
    public = sub.exercise.module("checks")
    vals = random_points(seed=31, count=3)
    for arg in (2, 1, 0):
        public.expect_difference(sub, "mix3", vals, arg)
    public.expect_difference(sub, "div", random_points(seed=32, count=2), 1)


@check(points=1)
def hidden_sum_difference_product(sub: Submission) -> None:
    """The sum, difference and product rules hold for other f, g and points."""
    public = sub.exercise.module("checks")
    points = random_points(seed=33, count=4)
    for names in (("log", "tanh"), ("sigmoid", "cube")):
        for rule in ("sum_rule", "difference_rule", "product_rule"):
            public.expect_rule(sub, rule, names, points)


@check(points=1)
def hidden_quotient_and_reciprocal(sub: Submission) -> None:
    """The quotient and reciprocal rules hold for other f, g and points."""
    public = sub.exercise.module("checks")
    points = random_points(seed=34, count=4)
    for names in (("log", "sigmoid"), ("cos", "cube")):
        public.expect_rule(sub, "quotient_rule", names, points)
    for name in ("exp", "tanh"):
        public.expect_rule(sub, "reciprocal_rule", (name,), points)


@check(points=1)
def hidden_chain_rule(sub: Submission) -> None:
    """The chain rule holds for other compositions and points."""
    public = sub.exercise.module("checks")
    points = random_points(seed=35, count=4)
    for names in (("exp", "sin"), ("log", "sigmoid"), ("tanh", "cube")):
        public.expect_rule(sub, "chain_rule", names, points)
