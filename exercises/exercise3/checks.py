"""exercise3 public checks: central differences and the rules of Table D2 against autograd.

Judge side, every expected derivative comes from torch.autograd in float64 on the same
functions the probes build by name. Central differences must agree with autograd to a
relative error of 1e-7 (h = 1e-6), the rules (exact formulas) to 1e-10. Points are kept away
from 0 and from the poles of the quotients.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
from grader.authoring.diagnose import diagnose_gradient, quotient_numerator_reversed

TensorFn = Callable[..., torch.Tensor]
CENTRAL_TOLERANCE = 1e-7
RULE_TOLERANCE = 1e-10
SLIDE = "Lecture 06, Appendix D, Table D2"
LIMIT_SLIDE = "Lecture 06, ReLU side-note (the derivative as a limit)"
POINTS = (0.5, 1.3, 2.1)


def one_variable(name: str) -> TensorFn:
    """The torch form of the probes' one-variable function `name`."""
    table: dict[str, TensorFn] = {
        "sin": torch.sin, "cos": torch.cos, "exp": torch.exp, "log": torch.log,
        "square": lambda t: t * t, "cube": lambda t: t**3,
        "tanh": torch.tanh, "sigmoid": torch.sigmoid,
    }  # fmt: skip
    return table[name]


def several_variables(name: str) -> TensorFn:
    """The torch form of the probes' function `name` of one or more floats."""
    table: dict[str, TensorFn] = {
        "mul": lambda x, y: x * y, "div": lambda x, y: x / y, "exp": torch.exp,
        "cube": lambda x: x**3, "mix3": lambda x, y, z: x * torch.sin(y) + z * z * x,
    }  # fmt: skip
    return table[name]


def value_and_slope(name: str, xs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """f(xs) and f'(xs) by autograd, elementwise, in float64."""
    leaf = xs.detach().to(torch.float64).requires_grad_(True)
    values = one_variable(name)(leaf)
    (slopes,) = torch.autograd.grad(values.sum(), leaf)
    return values.detach(), slopes


def combine(rule: str, f: TensorFn, g: TensorFn | None) -> TensorFn:
    """The function whose derivative `rule` gives: f + g, f - g, f * g, f / g, 1 / f, f(g)."""
    h = g or f
    table: dict[str, TensorFn] = {
        "sum_rule": lambda x: f(x) + h(x), "difference_rule": lambda x: f(x) - h(x),
        "product_rule": lambda x: f(x) * h(x), "quotient_rule": lambda x: f(x) / h(x),
        "reciprocal_rule": lambda x: 1 / f(x), "chain_rule": lambda x: f(h(x)),
    }  # fmt: skip
    return table[rule]


def expected_rule(rule: str, names: Sequence[str], points: Sequence[float]) -> torch.Tensor:
    """d/dx of the combination at each point, by autograd in float64."""
    xs = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    functions = [one_variable(name) for name in names]
    h = combine(rule, functions[0], functions[1] if len(functions) > 1 else None)
    (slopes,) = torch.autograd.grad(h(xs).sum(), xs)
    return slopes


def expected_partial(name: str, vals: Sequence[float], arg: int) -> float:
    """d f / d vals[arg] by autograd in float64."""
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in vals]
    grads = torch.autograd.grad(several_variables(name)(*leaves), leaves, allow_unused=True)
    found = grads[arg]
    return 0.0 if found is None else found.item()


def read_values(values: Any, count: int, rule: str) -> torch.Tensor:
    """The numbers a student's derivative function returned, as a float64 tensor."""
    if not isinstance(values, list) or len(values) != count:
        raise InvalidAnswer(f"the probe returned {type(values).__name__}, not {count} values")
    numbers = [as_float(v, f"the derivative from {rule}, at a point,") for v in values]
    return torch.tensor(numbers, dtype=torch.float64)


def mistake(code: str) -> tuple[str, str]:
    """(title, explanation) of a known wrong version of a rule or of the central difference."""
    table = {
        "difference_as_sum": ("the difference rule added the derivatives",
                              "(f - g)' = f' - g': the minus sign stays."),
        "product_of_derivatives": ("the product rule multiplied the derivatives",
                                   "(f g)' = f g' + f' g, not f' g'."),
        "product_rule_one_term": ("the product rule kept one term",
                                  "(f g)' = f g' + f' g has two terms, one per factor."),
        "quotient_not_squared": ("the quotient rule's denominator is not squared",
                                 "(f / g)' = (g f' - f g') / g^2."),
        "ratio_of_derivatives": ("the quotient rule divided the derivatives",
                                 "(f / g)' = (g f' - f g') / g^2, not f' / g'."),
        "reciprocal_not_squared": ("the reciprocal rule divided by f, not f^2",
                                   "(1 / f)' = -f' / f^2; -f'/f is the derivative of -log f."),
        "inner_derivative_missing": ("the chain rule is missing g'(x)",
                                     "f(g(x))' = f'(g(x)) g'(x): multiply by the inner "
                                     "derivative."),
        "outer_at_x": ("the outer derivative is taken at x, not at g(x)",
                       "f(g(x))' = f'(g(x)) g'(x): evaluate f' at the inner value g(x)."),
        "forward_difference": ("a forward difference, not a central one",
                               "(f(x + eps) - f(x)) / eps has an error of order eps; the central "
                               "difference (f(x + eps) - f(x - eps)) / (2 eps) of order eps^2."),
        "backward_difference": ("a backward difference, not a central one",
                                "use both f(x + eps) and f(x - eps), divided by 2 eps."),
        "not_halved": ("divided by eps instead of 2 eps",
                       "the two points x - eps and x + eps are 2 eps apart."),
        "eps_ignored": ("the eps argument is ignored",
                        "use the step the caller passes, not a fixed one."),
        "wrong_argument": ("the wrong argument was nudged",
                           "only vals[arg] moves by eps; the other arguments stay."),
    }  # fmt: skip
    return table[code]


def rule_mistakes(rule: str, names: Sequence[str], points: Sequence[float]) -> dict[str, Any]:
    """What the known wrong versions of `rule` give at the points, by mistake code."""
    xs = torch.tensor(points, dtype=torch.float64)
    f, df = value_and_slope(names[0], xs)
    if rule == "reciprocal_rule":
        return {"reciprocal_not_squared": -df / f}
    g, dg = value_and_slope(names[1], xs)
    if rule == "chain_rule":
        return {"inner_derivative_missing": value_and_slope(names[0], g)[1], "outer_at_x": df * dg}
    table = {
        "sum_rule": {},
        "difference_rule": {"difference_as_sum": df + dg},
        "product_rule": {"product_of_derivatives": df * dg, "product_rule_one_term": f * dg},
        "quotient_rule": {"quotient_not_squared": (g * df - f * dg) / g,
                          "ratio_of_derivatives": df / dg},
    }  # fmt: skip
    found: dict[str, Any] = table[rule]
    if rule == "product_rule":
        found["product_rule_other_term"] = df * g
    return found


def diagnosis_for(code: str, evidence: str = "") -> Diagnosis:
    """A Diagnosis for one of this exercise's known mistakes, naming the slide first."""
    title, explanation = mistake(code.replace("_other_term", "_one_term"))
    numeric = code in ("forward_difference", "backward_difference", "not_halved", "eps_ignored",
                       "wrong_argument")  # fmt: skip
    slide = LIMIT_SLIDE if numeric else SLIDE
    return Diagnosis(code=code, title=title, explanation=f"{slide}: {explanation}", slide=slide,
                     evidence=evidence)  # fmt: skip


def explain_rule(got: torch.Tensor, expected: torch.Tensor, rule: str, names: Sequence[str],
                 points: Sequence[float]) -> Diagnosis | None:  # fmt: skip
    """The known mistake, or the general gradient diagnosis, that fits a wrong rule."""
    where = f"{describe(rule, names)} at x = {list(points)}"
    for code, wrong in rule_mistakes(rule, names, points).items():
        if within(got, wrong, rel=1e-8):
            return diagnosis_for(code, where)
    if rule == "quotient_rule":
        xs = torch.tensor(points, dtype=torch.float64)
        parts = (*value_and_slope(names[0], xs), *value_and_slope(names[1], xs))
        reversed_ = quotient_numerator_reversed(got, *parts)
        if reversed_ is not None:
            return reversed_.model_copy(update={"evidence": f"{where}: {reversed_.evidence}"})
    return diagnose_gradient(got, expected)


def describe(rule: str, names: Sequence[str]) -> str:
    """The combination a rule differentiates, e.g. 'f(x) * g(x) with f = sin, g = exp'."""
    shape = {
        "sum_rule": "f(x) + g(x)", "difference_rule": "f(x) - g(x)",
        "product_rule": "f(x) * g(x)", "quotient_rule": "f(x) / g(x)",
        "reciprocal_rule": "1 / f(x)", "chain_rule": "f(g(x))",
    }[rule]  # fmt: skip
    return f"{shape} with " + ", ".join(f"{n} = {v}" for n, v in zip("fg", names, strict=False))


def expect_rule(sub: Submission, rule: str, names: Sequence[str], points: Sequence[float]) -> None:
    """Fail unless the student's `rule` gives autograd's derivative at every point."""
    answer = sub.probe("rule_derivative", rule, list(names), list(points))
    got = read_values(answer, len(points), rule)
    expected = expected_rule(rule, names, points)
    if not within(got, expected, rel=RULE_TOLERANCE):
        fail(
            f"{rule}: the derivative is wrong\nfor {describe(rule, names)} at x = {list(points)}",
            expected=expected,
            got=got,
            diagnosis=explain_rule(got, expected, rule, names, points),
        )


def evaluate(name: str, vals: Sequence[float]) -> float:
    """f(*vals) in float64 for the function `name`."""
    return float(several_variables(name)(*torch.tensor(vals, dtype=torch.float64)).item())


def difference_mistakes(
    name: str, vals: Sequence[float], arg: int, eps: float
) -> list[tuple[str, float]]:
    """What the known wrong central differences give, as (mistake code, value), in order."""

    def at(shift: float, index: int = arg) -> float:
        moved = list(vals)
        moved[index] += shift
        return evaluate(name, moved)

    found = [
        ("wrong_argument", (at(eps, index) - at(-eps, index)) / (2 * eps))
        for index in range(len(vals))
        if index != arg
    ]
    found += [
        ("forward_difference", (at(eps) - at(0.0)) / eps),
        ("backward_difference", (at(0.0) - at(-eps)) / eps),
        ("not_halved", (at(eps) - at(-eps)) / eps),
    ]
    if eps != 1e-6:
        found.append(("eps_ignored", (at(1e-6) - at(-1e-6)) / 2e-6))
    return found


def expect_difference(sub: Submission, name: str, vals: Sequence[float], arg: int,
                      eps: float | None = None) -> None:  # fmt: skip
    """Fail unless central_difference matches autograd (or, for a given eps, the exact formula)."""
    got = as_float(sub.probe("central_difference_of", name, list(vals), arg, eps),
                   "central_difference's result")  # fmt: skip
    step = 1e-6 if eps is None else eps
    if eps is None:
        expected, tolerance = expected_partial(name, vals, arg), CENTRAL_TOLERANCE
    else:
        expected, tolerance = (
            dict(difference_mistakes(name, vals, arg, eps))["not_halved"] / 2,
            1e-9,
        )
    if not within(got, expected, rel=tolerance):
        where = f"{name} at {tuple(vals)}, arg={arg}" + ("" if eps is None else f", eps={eps}")
        fail(f"central_difference is wrong\nfor {where}", expected=expected, got=got,
             diagnosis=explain_difference(got, expected, name, vals, arg, step, where))  # fmt: skip


def explain_difference(got: float, expected: float, name: str, vals: Sequence[float], arg: int,
                       eps: float, where: str) -> Diagnosis | None:  # fmt: skip
    """The known mistake, or the general gradient diagnosis, that fits a wrong difference."""
    for code, wrong in difference_mistakes(name, vals, arg, eps):
        if within(got, wrong, rel=1e-8) and not within(wrong, expected, rel=1e-8):
            return diagnosis_for(code, where)
    return diagnose_gradient(got, expected)


@check(points=1)
def central_difference_mul(sub: Submission) -> None:
    """central_difference of mul(x, y) = x * y at (5, 10) is 10 for arg=0 and 5 for arg=1."""
    expect_difference(sub, "mul", (5.0, 10.0), 0)
    expect_difference(sub, "mul", (5.0, 10.0), 1)


@check(points=1)
def central_difference_exp(sub: Submission) -> None:
    """central_difference of exp at 2 agrees with exp(2) to a relative error of 1e-7."""
    expect_difference(sub, "exp", (2.0,), 0)


@check(points=1)
def central_difference_uses_eps(sub: Submission) -> None:
    """With eps=0.1, the central difference of x**3 at 2 is (2.1**3 - 1.9**3) / 0.2 = 12.01."""
    expect_difference(sub, "cube", (2.0,), 0, eps=0.1)


@check(points=1)
def sum_and_difference_rules(sub: Submission) -> None:
    """(f + g)' = f' + g' and (f - g)' = f' - g', for f = sin and g = exp."""
    expect_rule(sub, "sum_rule", ("sin", "exp"), POINTS)
    expect_rule(sub, "difference_rule", ("sin", "exp"), POINTS)


@check(points=1)
def product_rule(sub: Submission) -> None:
    """(f g)' = f g' + f' g, for f = sin and g = exp."""
    expect_rule(sub, "product_rule", ("sin", "exp"), POINTS)


@check(points=1)
def quotient_rule(sub: Submission) -> None:
    """(f / g)' = (g f' - f g') / g^2, for f = sin and g = exp."""
    expect_rule(sub, "quotient_rule", ("sin", "exp"), POINTS)


@check(points=1)
def reciprocal_rule(sub: Submission) -> None:
    """(1 / f)' = -f' / f^2, for f(x) = x**3."""
    expect_rule(sub, "reciprocal_rule", ("cube",), POINTS)


@check(points=1)
def chain_rule(sub: Submission) -> None:
    """f(g(x))' = f'(g(x)) g'(x), for f = sin and g(x) = x**2."""
    expect_rule(sub, "chain_rule", ("sin", "square"), POINTS)
