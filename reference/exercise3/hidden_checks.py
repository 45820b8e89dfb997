"""exercise3 hidden checks: the same rules and central differences on other functions and
points. Points are seeded random values in [0.4, 2.4] (away from 0, where log and the
quotients' denominators misbehave), and one nearly flat point per rule (NEARLY_FLAT); the
comparisons and diagnoses are the public checks' own.
"""

from __future__ import annotations

import torch

from grader.authoring import Diagnosis, Submission, check, fail, within

# Points where the combination is nearly flat (its derivative about 1e-3 of its terms): there
# the rule's formula is exact to < 1e-12, while a derivative taken numerically (a central
# difference of the combination, with any step from 1e-4 to 1e-8, which never uses f' and g')
# is off by more than 3e-9, so the rules' 1e-10 tolerance tells them apart.
NEARLY_FLAT = {
    "sum_rule": (("sin", "square"), -0.4498),
    "difference_rule": (("sin", "square"), 0.4505),
    "product_rule": (("sin", "exp"), 2.3564),
    "quotient_rule": (("sin", "exp"), 0.7857),
    "reciprocal_rule": (("cos",), 3.1419),
    "chain_rule": (("sin", "square"), 1.2535),
}
NUMERIC_RULE = Diagnosis(
    code="rule_by_central_difference",
    title="the derivative was taken numerically, not by the rule",
    slide="Lecture 06, Appendix D, Table D2",
    explanation="Lecture 06, Appendix D, Table D2: the answer is close to the derivative but "
    "only as close as a central difference gets; build it from f, f', g and g' with the rule, "
    "which is exact.",
)


def random_points(seed: int, count: int) -> tuple[float, ...]:
    """`count` seeded points in [0.4, 2.4], rounded to 4 decimals."""
    generator = torch.Generator().manual_seed(seed)
    values = 0.4 + 2.0 * torch.rand(count, generator=generator, dtype=torch.float64)
    return tuple(round(v, 4) for v in values.tolist())


def expect_exact_rule(sub: Submission, rule: str) -> None:
    """The rule at its nearly flat point, held to the rules' tolerance; a near miss is named."""
    public = sub.exercise.module("checks")
    names, x = NEARLY_FLAT[rule]
    got = public.read_values(sub.probe("rule_derivative", rule, list(names), [x]), 1, rule)
    expected = public.expected_rule(rule, names, [x])
    if not within(got, expected, rel=public.RULE_TOLERANCE):
        near = within(got, expected, rel=1e-5)
        named = NUMERIC_RULE if near else public.explain_rule(got, expected, rule, names, [x])
        fail(
            f"{rule}: the derivative is wrong\nfor {public.describe(rule, names)} at x = {x}",
            expected=expected,
            got=got,
            diagnosis=named,
        )


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
    for rule in ("sum_rule", "difference_rule", "product_rule"):
        expect_exact_rule(sub, rule)


@check(points=1)
def hidden_quotient_and_reciprocal(sub: Submission) -> None:
    """The quotient and reciprocal rules hold for other f, g and points."""
    public = sub.exercise.module("checks")
    points = random_points(seed=34, count=4)
    for names in (("log", "sigmoid"), ("cos", "cube")):
        public.expect_rule(sub, "quotient_rule", names, points)
    for name in ("exp", "tanh"):
        public.expect_rule(sub, "reciprocal_rule", (name,), points)
    for rule in ("quotient_rule", "reciprocal_rule"):
        expect_exact_rule(sub, rule)


@check(points=1)
def hidden_chain_rule(sub: Submission) -> None:
    """The chain rule holds for other compositions and points."""
    public = sub.exercise.module("checks")
    points = random_points(seed=35, count=4)
    for names in (("exp", "sin"), ("log", "sigmoid"), ("tanh", "cube")):
        public.expect_rule(sub, "chain_rule", names, points)
    expect_exact_rule(sub, "chain_rule")
