"""exercise3 probes (sandbox-side, public): build functions from names, hand them to the student.

Functions cannot cross the sandbox boundary, so the judge sends names ("mul", "sin", ...) and
numbers; these probes build the Python functions here, call the student's code with them and
return the numbers it produced, as they came. The inputs are Python floats, so `device` is not
used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

Fn = Callable[[float], float]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def one_variable(name: str) -> tuple[Fn, Fn]:
    """f and its derivative f', by name, for the differentiation rules."""
    table: dict[str, tuple[Fn, Fn]] = {
        "sin": (math.sin, math.cos),
        "cos": (math.cos, lambda x: -math.sin(x)),
        "exp": (math.exp, math.exp),
        "log": (math.log, lambda x: 1.0 / x),
        "square": (lambda x: x * x, lambda x: 2.0 * x),
        "cube": (lambda x: x**3, lambda x: 3.0 * x * x),
        "tanh": (math.tanh, lambda x: 1.0 - math.tanh(x) ** 2),
        "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1.0 - _sigmoid(x))),
    }
    return table[name]


def several_variables(name: str) -> Callable[..., float]:
    """A function of one or more floats, by name, for central differences."""
    table: dict[str, Callable[..., float]] = {
        "mul": lambda x, y: x * y,
        "div": lambda x, y: x / y,
        "exp": math.exp,
        "cube": lambda x: x**3,
        "mix3": lambda x, y, z: x * math.sin(y) + z * z * x,
    }
    return table[name]


def central_difference_of(
    student: ModuleType,
    device: str,
    name: str,
    vals: Sequence[float],
    arg: int,
    eps: float | None = None,
) -> Any:
    """student.central_difference(f, *vals, arg=arg[, eps=eps]) for the function `name`."""
    options = {} if eps is None else {"eps": eps}
    return student.central_difference(several_variables(name), *vals, arg=arg, **options)


def rule_derivative(
    student: ModuleType, device: str, rule: str, names: Sequence[str], points: Sequence[float]
) -> list[Any]:
    """The function `rule(f, df[, g, dg])` returns, for f, g named in `names`, at each point."""
    functions = [part for name in names for part in one_variable(name)]
    derivative = getattr(student, rule)(*functions)
    return [derivative(x) for x in points]
