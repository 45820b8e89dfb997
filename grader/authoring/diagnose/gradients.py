"""Detectors for wrong gradients: sign, factor, transpose, missing or multiplied paths,
broadcasting, relu'(0), the upstream gradient, accumulation and the quotient rule's order.

Each compares a student's gradient with the expected one (plus what the mistake needs: x, the
paths' terms, the steps) and returns a `Diagnosis` only when the answer is wrong *and* the
mistake explains it exactly; on odd input it returns None, never raises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from itertools import combinations
from math import isfinite
from types import MappingProxyType

import torch

from grader.authoring.diagnose.values import (
    RTOL,
    Value,
    as_float64,
    at,
    evidence,
    is_close,
    lecture,
    pair,
    shaped_like,
    wrong_pair,
)
from grader.outputs.models import Diagnosis

MAX_PATHS = 8

# What gives a local derivative other than 0 at x == 0, said plainly: these are wrong there.
ZERO_DERIVATIVE_SOURCES: Mapping[float, str] = MappingProxyType(
    {
        1.0: "clamp(min=0) and torch.where(x >= 0, ...) give exactly this 1 at x = 0, "
        "so they are wrong there",
        0.5: "torch.maximum(x, 0) and (x + x.abs()) / 2 give exactly this 0.5 at x = 0, "
        "so they are wrong there",
    }
)


def sign_flipped(got: Value, expected: Value) -> Diagnosis | None:
    """Every element is the negative of the expected one."""
    both = wrong_pair(got, expected)
    if both is None or not is_close(both[0], -both[1]):
        return None
    return lecture(
        "sign_flipped",
        "the gradient has the wrong sign",
        "differentiation rules",
        "the size is right, the sign is not; check each minus sign "
        "(d/do (y - o)^2 = -2(y - o); the reciprocal rule -f'/f^2).",
        evidence(*both),
    )


def constant_factor(got: Value, expected: Value, batch_size: int | None = None) -> Diagnosis | None:
    """Every element is the same multiple of the expected one (2, 1/2, the batch size, ...)."""
    both = wrong_pair(got, expected)
    if both is None or is_close(both[0], torch.zeros_like(both[0])):
        return None
    g, e = both
    energy = (e * e).sum().item()
    k = (g * e).sum().item() / energy if energy > 0 else 0.0
    if not isfinite(k) or k == 0 or abs(k + 1) < RTOL or not is_close(g, k * e):
        return None
    name = _factor_name(k, batch_size)
    informative = torch.unique(e[e != 0].abs()).numel() >= 2
    if name is None and not informative:
        return None
    shown = name or f"{k:.6g}"
    if batch_size is not None and name in (str(batch_size), f"1/{batch_size}"):
        why = f"the factor is the batch size {batch_size}: a sum where a mean belongs, or back"
    else:
        why = "one factor of the chain-rule product is missing or extra (a 2 from the power "
        why += "rule, an input such as x1, the 1/N of a mean)"
    return lecture(
        "constant_factor",
        f"the gradient is {shown} times the right value",
        "chain rule",
        f"every element is off by the same factor; {why}.",
        evidence(g, e) + f" (ratio {shown})",
    )


def transposed(got: Value, expected: Value) -> Diagnosis | None:
    """A matrix gradient came back as its transpose (dl/dW with W.T's layout)."""
    both = pair(got, expected)
    if both is None or both[1].dim() != 2:
        return None
    g, e = both
    if is_close(g, e) or not is_close(g, e.t()):
        return None
    if g.shape != e.shape:
        shown = f"expected shape {tuple(e.shape)}, got {tuple(g.shape)}, the transpose"
    else:
        shown = evidence(g, e) + " (the transposed element)"
    return lecture(
        "transposed",
        "the gradient is transposed",
        "slide 30 (fully-connected layers)",
        "dl/dW has the shape of W, one row per output unit; "
        "check the order of upstream gradient and input.",
        shown,
    )


def missing_path(got: Value, expected: Value, paths: Mapping[str, Value]) -> Diagnosis | None:
    """The answer lacks the term of one path (or several) of a shared weight."""
    both = wrong_pair(got, expected)
    terms = _path_terms(paths, both[1]) if both is not None else None
    if both is None or terms is None:
        return None
    g, e = both
    for size in range(1, len(terms)):
        for missing in combinations(terms, size):
            if is_close(g, e - sum((terms[name] for name in missing), torch.zeros_like(e))):
                return _missing_diagnosis(list(missing), terms, g, e)
    return None


def paths_multiplied(got: Value, expected: Value, paths: Mapping[str, Value]) -> Diagnosis | None:
    """The terms of the paths were multiplied instead of added."""
    both = wrong_pair(got, expected)
    terms = _path_terms(paths, both[1]) if both is not None else None
    if (
        both is None
        or terms is None
        or not is_close(both[0], torch.stack(list(terms.values())).prod(dim=0))
    ):
        return None
    names = " x ".join(terms)
    return lecture(
        "paths_multiplied",
        "the paths were multiplied instead of added",
        "slide 29 (graph with weight sharing)",
        "multiply along a path, add across paths (multivariable chain rule).",
        evidence(*both) + f" = {names}",
    )


def broadcast_not_reduced(got: Value, expected: Value) -> Diagnosis | None:
    """The answer keeps broadcast dimensions whose sum is the expected gradient."""
    both = pair(got, expected)
    if both is None or both[0].shape == both[1].shape or both[0].numel() <= both[1].numel():
        return None
    g, e = both
    dims = _summed_dims(g, e)
    if dims is None:
        return None
    return lecture(
        "broadcast_not_reduced",
        "the gradient was not summed over the broadcast dimension",
        "slides 29-30 (several paths)",
        "a parameter broadcast over the batch is shared by every example, so its "
        "gradient adds one term per example; sum it back to the parameter's shape.",
        f"expected shape {tuple(e.shape)}, got {tuple(g.shape)}; "
        f"summing got over dim{'s' if len(dims) > 1 else ''} {', '.join(map(str, dims))} "
        "gives the expected gradient",
    )


def relu_grad_at_zero(
    got: Value, expected: Value, x: Value, grad_output: Value | None = None
) -> Diagnosis | None:
    """The answer is right except where x is exactly 0: relu'(0) was not taken as 0."""
    both = wrong_pair(got, expected)
    xs = shaped_like(x, both[1]) if both is not None else None
    if both is None or xs is None:
        return None
    g, e = both
    zero = xs == 0
    if not bool(zero.any()) or not is_close(g[~zero], e[~zero]) or is_close(g[zero], e[zero]):
        return None
    value = _value_at_zero(g, zero, grad_output)
    found = "a varying value" if value is None else f"{value:g}"
    hint = "" if value is None else ZERO_DERIVATIVE_SOURCES.get(value, "")
    index = int(torch.nonzero(zero.flatten())[0].item())
    return lecture(
        "relu_grad_at_zero",
        f"relu'(0) was taken as {found} instead of 0",
        "computation graphs",
        "relu'(0) = 0: the derivative does not exist at 0, and the lecture (like torch.relu) "
        "takes it as 0, so no gradient flows there"
        + (f"; {hint}" if hint else "")
        + ". Use torch.relu, or a mask (x > 0) that is 0 at x = 0.",
        f"x{at(e.shape, index)} = 0; " + evidence(g, e, index),
    )


def upstream_ignored(got: Value, expected: Value, local_derivative: Value) -> Diagnosis | None:
    """The answer is the local derivative alone: grad_output was not multiplied in."""
    both = wrong_pair(got, expected)
    local = shaped_like(local_derivative, both[1]) if both is not None else None
    if both is None or local is None or not is_close(both[0], local):
        return None
    return lecture(
        "upstream_ignored",
        "the upstream gradient was not multiplied in",
        "computation graphs (chain rule)",
        "backward must return grad_output times the local derivative, "
        "not the local derivative alone.",
        evidence(*both) + ", the local derivative",
    )


def grad_output_modified(before: Value, after: Value) -> Diagnosis | None:
    """The upstream gradient tensor differs after backward: it was written in place."""
    both = pair(after, before)
    if both is None or both[0].shape != both[1].shape or torch.equal(*both):
        return None
    index = int(torch.nonzero((both[0] != both[1]).flatten())[0].item())
    where = at(both[1].shape, index)
    was, now = both[1].flatten()[index].item(), both[0].flatten()[index].item()
    return lecture(
        "grad_output_modified",
        "grad_output was modified in place",
        "computation graphs",
        "backward must not write into grad_output (e.g. grad_output[x < 0] = 0); "
        "work on grad_output.clone() or use torch.where.",
        f"grad_output{where} was {was:.6g} before backward and {now:.6g} after",
    )


def accumulated_gradients(
    got_steps: Sequence[Value], expected_steps: Sequence[Value]
) -> Diagnosis | None:
    """Each step's gradient is the running sum of the expected ones: zero_grad is missing."""
    steps = _step_pairs(got_steps, expected_steps)
    if steps is None or len(steps) < 2:
        return None
    running = torch.cumsum(torch.stack([e for _, e in steps]), dim=0)
    if not all(is_close(g, r) for (g, _), r in zip(steps, running, strict=True)):
        return None
    wrong = [i for i, (g, e) in enumerate(steps) if not is_close(g, e)]
    if not wrong:
        return None
    step = wrong[0]
    return lecture(
        "accumulated_gradients",
        "gradients accumulate across steps (zero_grad is missing)",
        "slide 35 (training loop)",
        "backward adds to .grad; call optimizer.zero_grad() every step before backward.",
        f"step {step + 1}: "
        + evidence(*steps[step])
        + f", the sum of the gradients of steps 1-{step + 1}",
    )


def quotient_numerator_reversed(
    got: Value, f: Value, df: Value, g: Value, dg: Value
) -> Diagnosis | None:
    """(f / g)' came back as (f g' - g f') / g^2: the numerator's terms in the wrong order.

    `f`, `df`, `g`, `dg` are the two functions and their derivatives at the same points as
    `got`. The reversed numerator is exactly the negative of the right answer, so this names
    what a bare "wrong sign" cannot: which rule and which order.
    """
    values = [as_float64(v) for v in (f, df, g, dg)]
    if any(v is None for v in values):
        return None
    fv, dfv, gv, dgv = (v for v in values if v is not None)
    try:
        right = (gv * dfv - fv * dgv) / gv**2
        reversed_ = (fv * dgv - gv * dfv) / gv**2
    except RuntimeError:  # shapes that do not broadcast
        return None
    both = wrong_pair(got, right)
    if both is None or not bool(torch.isfinite(right).all()):
        return None
    if not is_close(both[0], reversed_.reshape(both[1].shape)):
        return None
    return lecture(
        "quotient_numerator_reversed",
        "the quotient rule's numerator is reversed",
        "Appendix D, Table D2 (the quotient rule)",
        "(f / g)' = (g f' - f g') / g^2: the derivative of the numerator f comes first, with "
        "the plus sign; (f g' - g f') / g^2 is the same size with the opposite sign. Unlike the "
        "product rule, the order of the two terms matters.",
        evidence(*both) + ", which is (f g' - g f') / g^2",
    )


def _factor_name(k: float, batch_size: int | None) -> str | None:
    """A simple fraction (at most 4 over at most 4), or the batch size or its reciprocal."""
    simple = Fraction(k).limit_denominator(4)
    candidates = [simple]
    if batch_size is not None and batch_size > 1:
        candidates += [Fraction(batch_size), Fraction(1, batch_size)]
    for fraction in candidates:
        small = abs(fraction.numerator) <= 4 or fraction in candidates[1:]
        if fraction != 0 and small and abs(float(fraction) - k) <= RTOL * abs(k):
            return str(fraction)
    return None


def _path_terms(paths: object, like: torch.Tensor) -> dict[str, torch.Tensor] | None:
    if not isinstance(paths, Mapping) or not 2 <= len(paths) <= MAX_PATHS:
        return None
    terms = {str(name): shaped_like(term, like) for name, term in paths.items()}
    if any(term is None for term in terms.values()):
        return None
    return {name: term for name, term in terms.items() if term is not None}


def _missing_diagnosis(
    missing: list[str], terms: dict[str, torch.Tensor], g: torch.Tensor, e: torch.Tensor
) -> Diagnosis:
    flat = int((g - e).abs().flatten().argmax().item())
    parts = " + ".join(f"{name} {terms[name].flatten()[flat].item():.6g}" for name in terms)
    names = " and ".join(missing)
    return lecture(
        "missing_path",
        f"the {names} path{'s are' if len(missing) > 1 else ' is'} missing",
        "slide 29 (graph with weight sharing)",
        "a weight that reaches the loss along several paths gets one chain-rule "
        f"product per path, all added (multivariable chain rule); the {names} term "
        "was left out.",
        evidence(g, e, flat) + f"; expected = {parts}",
    )


def _summed_dims(g: torch.Tensor, e: torch.Tensor) -> list[int] | None:
    """The dims of g whose sum gives e: broadcast (sum_to_size) dims, else any one dim."""
    lead = g.dim() - e.dim()
    if lead >= 0 and all(s in (1, t) for s, t in zip(e.shape, g.shape[lead:], strict=True)):
        dims = list(range(lead))
        dims += [lead + i for i, s in enumerate(e.shape) if s == 1 and g.shape[lead + i] != 1]
        if is_close(g.sum_to_size(e.shape), e):
            return dims
    for dim in range(g.dim()):
        summed = g.sum(dim=dim)
        if summed.shape == e.shape and is_close(summed, e):
            return [dim]
    return None


def _value_at_zero(g: torch.Tensor, zero: torch.Tensor, grad_output: Value | None) -> float | None:
    """The local derivative the answer used at x == 0, when it is one value."""
    values = g[zero]
    if grad_output is not None:
        upstream = shaped_like(grad_output, g)
        if upstream is None or not bool((upstream[zero] != 0).all()):
            return None
        values = values / upstream[zero]
    first = values[0].item()
    if not is_close(values, torch.full_like(values, first)):
        return None
    simple = float(Fraction(first).limit_denominator(8))
    return simple if abs(simple - first) <= RTOL * max(1.0, abs(first)) else first


def _step_pairs(
    got_steps: Sequence[Value], expected_steps: Sequence[Value]
) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
    """Per-step (got, expected) float64 pairs, all of one shape; None when they do not fit."""
    try:
        got_list, expected_list = list(got_steps), list(expected_steps)
    except TypeError:
        return None
    if len(got_list) != len(expected_list):
        return None
    pairs: list[tuple[torch.Tensor, torch.Tensor]] = []
    for got, expected in zip(got_list, expected_list, strict=True):
        both = pair(got, expected)
        if both is None or both[0].shape != both[1].shape:
            return None
        if pairs and both[1].shape != pairs[0][1].shape:
            return None
        pairs.append(both)
    return pairs
