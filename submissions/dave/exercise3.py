"""exercise3 reference: Table D2's rules as functions that build derivatives, and the
central difference."""

from __future__ import annotations

from collections.abc import Callable

Fn = Callable[[float], float]


def central_difference(
    f: Callable[..., float], *vals: float, arg: int = 0, eps: float = 1e-6
) -> float:
    """[f(..., x_arg + eps, ...) - f(..., x_arg - eps, ...)] / (2 eps)."""
    up = [v + eps if i == arg else v for i, v in enumerate(vals)]
    down = [v - eps if i == arg else v for i, v in enumerate(vals)]
    return (f(*up) - f(*down)) / (2.0 * eps)


def sum_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    """(f + g)' = f' + g'."""
    return lambda x: df(x) + dg(x)


def difference_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    """(f - g)' = f' - g'."""
    return lambda x: df(x) - dg(x)


def product_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    """(f g)' = f g' + f' g."""
    return lambda x: f(x) * dg(x) + df(x) * g(x)


def quotient_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    """(f / g)' = (g f' - f g') / g^2."""
    return lambda x: (g(x) * df(x) - f(x) * dg(x)) / g(x) ** 2


def reciprocal_rule(f: Fn, df: Fn) -> Fn:
    """(1 / f)' = -f' / f^2."""
    return lambda x: -df(x) / f(x) ** 2


def chain_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    """f(g(x))' = f'(g(x)) g'(x)."""
    return lambda x: df(g(x)) * dg(x)
