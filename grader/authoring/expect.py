"""Judge-side expectations: validate what came back from the sandbox, then compare it.

Everything a check receives from `sub.call` / `sub.probe` is plain data decoded by
`grader.wire.protocol` (None, bool, int, float, str, list, tuple, dict, dense CPU tensors).
These helpers turn "not of the required form" into `InvalidAnswer` (verdict `invalid`)
and "of the form but wrong" into `CheckFailure` (verdict `failed`).

Tolerances follow docs/course.md: hand-derived vs autograd in float64 uses the relative error
max|a-b| / max(1e-8, |a|+|b|) < 1e-10; float32 uses `torch.testing.assert_close` defaults.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from grader.authoring.check import CheckFailure, InvalidAnswer
from grader.outputs.models import Diagnosis

FLOAT64_REL = 1e-10


def relative_error(a: torch.Tensor | float, b: torch.Tensor | float) -> float:
    """docs/course.md's convention: max|a-b| / max(1e-8, |a|+|b|), taken over all elements."""
    ta = torch.as_tensor(a, dtype=torch.float64)
    tb = torch.as_tensor(b, dtype=torch.float64)
    if ta.numel() == 0:
        return 0.0
    diff = (ta - tb).abs().max().item()
    scale = (ta.abs() + tb.abs()).max().item()
    return float(diff / max(1e-8, scale))


def as_float(value: Any, what: str = "the answer") -> float:
    """A real Python number (bool excluded), or a one-element tensor; else InvalidAnswer."""
    if isinstance(value, bool) or value is None:
        raise InvalidAnswer(f"{what} should be a float, got {type(value).__name__}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.is_floating_point():
        return float(value.item())
    raise InvalidAnswer(f"{what} should be a float, got {_describe(value)}")


def as_tensor(
    value: Any,
    what: str = "the answer",
    *,
    shape: Sequence[int] | None = None,
    dtype: torch.dtype | None = None,
    floating: bool = True,
) -> torch.Tensor:
    """A dense tensor of the given shape and dtype; else InvalidAnswer."""
    if not isinstance(value, torch.Tensor):
        raise InvalidAnswer(f"{what} should be a tensor, got {_describe(value)}")
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise InvalidAnswer(f"{what} should have shape {tuple(shape)}, got {tuple(value.shape)}")
    if dtype is not None and value.dtype != dtype:
        raise InvalidAnswer(f"{what} should have dtype {dtype}, got {value.dtype}")
    if floating and not value.is_floating_point():
        raise InvalidAnswer(f"{what} should be a floating-point tensor, got {value.dtype}")
    return value


def as_floats(value: Any, what: str = "the answer", length: int | None = None) -> list[float]:
    """A list or tuple of Python floats (exactly: not tensors), optionally of a given length."""
    if not isinstance(value, (list, tuple)):
        raise InvalidAnswer(f"{what} should be a list of floats, got {_describe(value)}")
    if length is not None and len(value) != length:
        raise InvalidAnswer(f"{what} should have {length} entries, got {len(value)}")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            raise InvalidAnswer(
                f"{what}[{i}] should be a Python float, got {_describe(item)}"
                + (" (call .item() on the loss)" if isinstance(item, torch.Tensor) else "")
            )
        out.append(float(item))
    return out


def expect_float(
    got: Any,
    expected: float,
    what: str = "the answer",
    *,
    rel: float = FLOAT64_REL,
    abs_tol: float = 0.0,
    diagnosis: Diagnosis | None = None,
) -> float:
    """Compare a scalar answer with the relative-error convention (and an optional abs floor)."""
    value = as_float(got, what)
    if math.isnan(value) or math.isinf(value):
        raise CheckFailure(f"{what} is {value}", expected=expected, got=value, diagnosis=diagnosis)
    if abs(value - expected) <= abs_tol or relative_error(value, expected) < rel:
        return value
    raise CheckFailure(f"{what} is wrong", expected=expected, got=value, diagnosis=diagnosis)


def expect_tensor(
    got: Any,
    expected: torch.Tensor,
    what: str = "the answer",
    *,
    rel: float | None = None,
    check_dtype: bool = True,
    diagnosis: Diagnosis | None = None,
) -> torch.Tensor:
    """Same shape (and dtype unless told), then values.

    float64 compares by relative error (docs/course.md); other dtypes by assert_close defaults.
    """
    value = as_tensor(got, what, shape=expected.shape, floating=expected.is_floating_point())
    if check_dtype and value.dtype != expected.dtype:
        raise InvalidAnswer(f"{what} should keep dtype {expected.dtype}, got {value.dtype}")
    if not torch.isfinite(value).all() and torch.isfinite(expected).all():
        raise CheckFailure(
            f"{what} contains NaN or Inf", expected=expected, got=value, diagnosis=diagnosis
        )
    if rel is None and expected.dtype == torch.float64:
        rel = FLOAT64_REL
    if rel is not None:
        if relative_error(value, expected) < rel:
            return value
    else:
        try:
            torch.testing.assert_close(value.to(expected.dtype), expected)
            return value
        except AssertionError:
            pass
    raise CheckFailure(
        f"{what} has the wrong values", expected=expected, got=value, diagnosis=diagnosis
    )


def _describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"{type(value).__name__} {value!r}"[:120]
