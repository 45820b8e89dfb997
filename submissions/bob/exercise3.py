"""exercise3: the differentiation rules of Table D2, and a numerical check for them.

Lecture 06, Appendix D ("Calculus and Differentiation Primer"), Table D2:

    Function        Derivative
    f(x) + g(x)     f'(x) + g'(x)                        sum rule
    f(x) - g(x)     f'(x) - g'(x)                        difference rule
    f(x) g(x)       f(x) g'(x) + f'(x) g(x)              product rule
    f(x) / g(x)     [g(x) f'(x) - f(x) g'(x)] / g(x)^2   quotient rule
    1 / f(x)        -f'(x) / f(x)^2                      reciprocal rule
    f(g(x))         f'(g(x)) g'(x)                       chain rule

Each rule below receives functions of one float (f and its derivative df, g and dg) and
returns a new function: the derivative of the combination. For example, with
f = sin (df = cos) and g = exp (dg = exp), `product_rule(f, df, g, dg)(x)` must equal
sin(x) exp(x) + cos(x) exp(x).

`central_difference` approximates a partial derivative numerically, the way every autodiff
library is tested (MiniTorch, micrograd, torch.autograd.gradcheck):

    d f / d x_i  ~  [f(..., x_i + eps, ...) - f(..., x_i - eps, ...)] / (2 eps)

e.g. for f(x, y) = x * y at (5, 10): 10 with respect to x (arg=0), 5 with respect to y (arg=1).
"""

from __future__ import annotations

from collections.abc import Callable

Fn = Callable[[float], float]


def central_difference(
    f: Callable[..., float], *vals: float, arg: int = 0, eps: float = 1e-6
) -> float:
    """The central difference of f at `vals` with respect to argument number `arg`, step eps."""
    raise NotImplementedError("exercise3: implement central_difference")


def sum_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    """The derivative of x -> f(x) + g(x)."""
    raise NotImplementedError("exercise3: implement sum_rule")


def difference_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    """The derivative of x -> f(x) - g(x)."""
    raise NotImplementedError("exercise3: implement difference_rule")


def product_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    """The derivative of x -> f(x) * g(x)."""
    raise NotImplementedError("exercise3: implement product_rule")


def quotient_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    """The derivative of x -> f(x) / g(x)."""
    raise NotImplementedError("exercise3: implement quotient_rule")


def reciprocal_rule(f: Fn, df: Fn) -> Fn:
    """The derivative of x -> 1 / f(x)."""
    raise NotImplementedError("exercise3: implement reciprocal_rule")


def chain_rule(f: Fn, df: Fn, g: Fn, dg: Fn) -> Fn:
    """The derivative of x -> f(g(x)): the outer derivative at the inner value, times g'(x)."""
    raise NotImplementedError("exercise3: implement chain_rule")
