"""A correct exercise3 that nudges the argument in a float64 tensor (the result back as a
Python float), and writes the rules with def and type hints."""

from __future__ import annotations

from collections.abc import Callable

import torch

Fn = Callable[[float], float]


def central_difference(
    f: Callable[..., float], *vals: float, arg: int = 0, eps: float = 1e-6
) -> float:
    point = torch.tensor(vals, dtype=torch.float64)
    step = torch.zeros_like(point)
    step[arg] = eps
    up, down = (point + step).tolist(), (point - step).tolist()
    return float((f(*up) - f(*down)) / (2 * eps))


def sum_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    def d(x: float) -> float:
        return df(x) + dg(x)

    return d


def difference_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    def d(x: float) -> float:
        return df(x) - dg(x)

    return d


def product_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    def d(x: float) -> float:
        return f(x) * dg(x) + g(x) * df(x)

    return d


def quotient_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    def d(x: float) -> float:
        gx = g(x)
        return (df(x) * gx - f(x) * dg(x)) / (gx * gx)

    return d


def reciprocal_rule(f: Fn, df: Fn) -> Fn:
    def d(x: float) -> float:
        fx = f(x)
        return -df(x) / (fx * fx)

    return d


def chain_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    def d(x: float) -> float:
        return df(g(x)) * dg(x)

    return d
