"""Judge-side expectations: validate what came back from the sandbox, then compare it.

Everything a check receives from `sub.call` / `sub.probe` is plain data decoded by
`grader.wire.protocol` (None, bool, int, float, str, list, tuple, dict, dense CPU tensors).
These helpers turn "not of the required form" into `InvalidAnswer` (verdict `invalid`)
and "of the form but wrong" into `CheckFailure` (verdict `failed`).

Every comparison of a student's number or tensor with an expected one goes through them, and
they fail closed: NaN, infinity, a wrong type, a wrong shape (broadcastable ones included) or an
empty tensor where values are due is never a pass. A non-finite number is a wrong answer
(`failed`, "returned NaN"); a value of the wrong type or shape is `invalid`. The predicates
`within` and `within_tolerance` answer True only when the comparison decided "equal", so the
form to write is `if not within(got, expected): fail(...)`.

Tolerances follow docs/course.md: hand-derived vs autograd in float64 uses the relative error
max|a-b| / max(1e-8, |a|+|b|) < 1e-10; float32 uses `torch.testing.assert_close` defaults
(|a - b| <= 1e-5 + 1.3e-6 |b|).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from grader.authoring.check import CheckFailure, InvalidAnswer
from grader.authoring.ledger import compared
from grader.outputs.models import Diagnosis

FLOAT64_REL = 1e-10
FLOAT32_RTOL = 1.3e-6  # torch.testing.assert_close's defaults for float32
FLOAT32_ATOL = 1e-5
SCALE_FLOOR = 1e-8


def relative_error(a: Any, b: Any) -> float:
    """docs/course.md's convention: max|a-b| / max(1e-8, |a|+|b|), taken over all elements.

    Never NaN: it is `inf` when the error cannot be decided (NaN or infinity on either side,
    shapes that differ, something that is not a real number), so `relative_error(...) < tol`
    is False for every such input. Two empty tensors of the same shape have error 0.
    """
    pair = _float64_pair(a, b)
    if pair is None:
        return math.inf
    ta, tb = pair
    if ta.numel() == 0:
        return 0.0
    diff = (ta - tb).abs().max().item()
    scale = (ta.abs() + tb.abs()).max().item()
    error = float(diff / max(SCALE_FLOOR, scale))
    return error if math.isfinite(error) else math.inf


def within(got: Any, expected: Any, *, rel: float = FLOAT64_REL) -> bool:
    """True only if `got` and `expected` agree to relative error < `rel` (docs/course.md's rule).

    False for NaN, infinity, different shapes (no broadcasting) or non-numbers.
    """
    return compared(relative_error(got, expected) < rel)


def within_tolerance(
    got: Any, expected: Any, *, rtol: float = FLOAT32_RTOL, atol: float = FLOAT32_ATOL
) -> bool:
    """True only if |got - expected| <= atol + rtol * |expected| everywhere (assert_close's rule).

    The defaults are assert_close's for float32. False for NaN, infinity, different shapes
    (no broadcasting) or non-numbers.
    """
    pair = _float64_pair(got, expected)
    if pair is None:
        return compared(False)
    g, e = pair
    return compared(bool(((g - e).abs() <= atol + rtol * e.abs()).all()))


def same_form(got: Any, expected: Any) -> bool:
    """True only if the form of a returned answer (a shape, a list of shapes) equals the
    expected one, compared as plain data (a torch.Size counts as a tuple). The judge reads
    the form off data it received, so this is a value comparison, not a fact."""
    return compared(_plain_form(got) == _plain_form(expected))


def _plain_form(value: Any) -> Any:
    if isinstance(value, (list, tuple)):  # torch.Size is a tuple
        return tuple(_plain_form(item) for item in value)
    return value


def far_from(
    got: torch.Tensor,
    expected: torch.Tensor,
    *,
    rtol: float = FLOAT32_RTOL,
    atol: float = FLOAT32_ATOL,
) -> torch.Tensor:
    """Where `within_tolerance` fails, element by element: a bool tensor of the shared shape.

    NaN and infinity count as far. For feedback ("the MSE after epoch 3 is ..."), after
    `within_tolerance` has decided; the shapes must already agree (ValueError otherwise).
    """
    if tuple(got.shape) != tuple(expected.shape):
        raise ValueError(f"shapes differ: {tuple(got.shape)} and {tuple(expected.shape)}")
    g = got.detach().to(device="cpu", dtype=torch.float64)
    e = expected.detach().to(device="cpu", dtype=torch.float64)
    close = ((g - e).abs() <= atol + rtol * e.abs()) & torch.isfinite(g) & torch.isfinite(e)
    return ~close


def max_difference(got: Any, expected: Any) -> float:
    """max|got - expected| for feedback; `inf` when it cannot be computed (see relative_error)."""
    pair = _float64_pair(got, expected)
    if pair is None:
        return math.inf
    g, e = pair
    return float((g - e).abs().max().item()) if g.numel() else 0.0


def non_finite(value: Any) -> str | None:
    """ "NaN", "inf" or "-inf" if a number or tensor holds one (NaN first); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        tensor = torch.tensor(float(value), dtype=torch.float64)
    elif isinstance(value, torch.Tensor) and (value.is_floating_point() or value.is_complex()):
        tensor = value.detach()
    else:
        return None
    if bool(torch.isnan(tensor).any()):
        return "NaN"
    if bool(torch.isposinf(tensor.real if tensor.is_complex() else tensor).any()):
        return "inf"
    if bool(torch.isneginf(tensor.real if tensor.is_complex() else tensor).any()):
        return "-inf"
    return None


def expect_finite(value: Any, what: str = "the answer", *, expected: Any = None) -> None:
    """Fail ("returned NaN", "returned inf") unless every number in `value` is finite."""
    found = non_finite(value)
    if found is not None:
        compared(False)
        raise CheckFailure(_returned(what, found, value), expected=expected, got=value)


def as_float(value: Any, what: str = "the answer", *, finite: bool = True) -> float:
    """A real Python number (bool excluded), or a one-element tensor; else InvalidAnswer.

    A NaN or infinite number is a wrong answer: CheckFailure ("returned NaN"), unless
    `finite=False` (then the caller compares it with `within` or the expect_ helpers).
    """
    if isinstance(value, bool) or value is None:
        raise InvalidAnswer(f"{what} should be a float, got {type(value).__name__}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, torch.Tensor) and value.numel() == 1 and value.is_floating_point():
        number = float(value.item())
    else:
        raise InvalidAnswer(f"{what} should be a float, got {_describe(value)}")
    if finite:
        expect_finite(number, what)
    return number


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


def as_floats(
    value: Any, what: str = "the answer", length: int | None = None, *, finite: bool = True
) -> list[float]:
    """A list or tuple of Python floats (exactly: not tensors), optionally of a given length.

    A NaN or infinite entry is a wrong answer (CheckFailure, "returned NaN") unless
    `finite=False`.
    """
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
    if finite:
        for i, number in enumerate(out):
            expect_finite(number, f"{what}[{i}]")
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
    """Compare a scalar answer with the relative-error convention (and an optional abs floor).

    Not a number: invalid. NaN or infinite: failed ("returned NaN"). Else passed only if
    relative error < `rel` or |got - expected| <= `abs_tol`.
    """
    value = as_float(got, what, finite=False)
    found = non_finite(value)
    if found is not None:
        compared(False)
        raise CheckFailure(
            _returned(what, found, value), expected=expected, got=value, diagnosis=diagnosis
        )
    close = within(value, expected, rel=rel)
    if not close and abs_tol > 0:
        close = within_tolerance(value, expected, rtol=0.0, atol=abs_tol)
    if not close:
        raise CheckFailure(f"{what} is wrong", expected=expected, got=value, diagnosis=diagnosis)
    return value


def expect_tensor(
    got: Any,
    expected: torch.Tensor,
    what: str = "the answer",
    *,
    rel: float | None = None,
    check_dtype: bool = True,
    diagnosis: Diagnosis | None = None,
) -> torch.Tensor:
    """Same shape (exactly: a broadcastable one is invalid) and dtype unless told, then values.

    float64 compares by relative error < `rel` (default FLOAT64_REL, docs/course.md); other dtypes
    by assert_close defaults unless `rel` is given. NaN or infinity where the expected value is
    finite: failed ("returned NaN").
    """
    value = as_tensor(got, what, shape=expected.shape, floating=expected.is_floating_point())
    if check_dtype and value.dtype != expected.dtype:
        raise InvalidAnswer(f"{what} should keep dtype {expected.dtype}, got {value.dtype}")
    found = non_finite(value)
    if found is not None and non_finite(expected) is None:
        compared(False)
        raise CheckFailure(
            _returned(what, found, value), expected=expected, got=value, diagnosis=diagnosis
        )
    if rel is None and expected.dtype == torch.float64:
        rel = FLOAT64_REL
    close = within(value, expected, rel=rel) if rel is not None else _assert_close(value, expected)
    if not close:
        raise CheckFailure(
            f"{what} has the wrong values", expected=expected, got=value, diagnosis=diagnosis
        )
    return value


def _assert_close(value: torch.Tensor, expected: torch.Tensor) -> bool:
    """torch.testing.assert_close with its defaults (same shape, no NaN), as a predicate.

    For two dense CPU tensors it computes what assert_close computes for them, in the same
    torch ops: `value` cast to the expected dtype, then `torch.isclose` with that dtype's default
    tolerances (`_CLOSE_DEFAULTS`), NaN never equal, an infinity equal only to the same one.
    Calling assert_close itself would cost the judge's first comparison torch.distributed and
    sympy (about a second of a cold run), so only any other pair (another device or layout, a
    tensor subclass, quantized, nested, one-byte floats) is left to it.
    """
    if value.shape != expected.shape:
        return compared(False)
    value = value.to(expected.dtype)
    if not (_plain_cpu(value) and _plain_cpu(expected)):
        return compared(_torch_assert_close(value, expected))
    rtol, atol = _CLOSE_DEFAULTS.get(expected.dtype, (0.0, 0.0))
    close = torch.isclose(value, expected, rtol=rtol, atol=atol, equal_nan=False)
    return compared(bool(close.all()))


# torch.testing.assert_close's default (rtol, atol) by dtype; every other dtype compares exactly
_CLOSE_DEFAULTS: dict[torch.dtype, tuple[float, float]] = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (FLOAT32_RTOL, FLOAT32_ATOL),
    torch.float64: (1e-7, 1e-7),
    torch.complex32: (1e-3, 1e-5),
    torch.complex64: (FLOAT32_RTOL, FLOAT32_ATOL),
    torch.complex128: (1e-7, 1e-7),
}


def _plain_cpu(tensor: torch.Tensor) -> bool:
    """A plain dense CPU tensor that assert_close compares with torch.isclose."""
    return (
        type(tensor) is torch.Tensor
        and tensor.device.type == "cpu"
        and tensor.layout == torch.strided
        and not (tensor.is_quantized or tensor.is_nested)
        and not (tensor.dtype.is_floating_point and tensor.dtype.itemsize == 1)
    )


def _torch_assert_close(value: torch.Tensor, expected: torch.Tensor) -> bool:
    import torch.testing  # noqa: PLC0415 - costly (torch.distributed, sympy); rare pairs only

    try:
        torch.testing.assert_close(value, expected)
    except AssertionError:
        return False
    return True


def _float64_pair(a: Any, b: Any) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Both as finite float64 CPU tensors of one shape (one-element ones as scalars); else None."""
    ta, tb = _float64(a), _float64(b)
    if ta is None or tb is None:
        return None
    if ta.numel() == 1 and tb.numel() == 1:
        ta, tb = ta.reshape(()), tb.reshape(())
    if ta.shape != tb.shape:
        return None
    if not (bool(torch.isfinite(ta).all()) and bool(torch.isfinite(tb).all())):
        return None
    return ta, tb


def _float64(value: Any) -> torch.Tensor | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, torch.Tensor):
        if value.layout != torch.strided or value.is_complex() or value.dtype == torch.bool:
            return None
        return value.detach().to(device="cpu", dtype=torch.float64)
    if isinstance(value, (int, float)):
        return torch.tensor(float(value), dtype=torch.float64)
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        return torch.tensor([float(v) for v in value], dtype=torch.float64)
    return None


def _returned(what: str, found: str, value: Any) -> str:
    """'x.grad returned NaN (3 of 5 elements)': what a non-finite answer was."""
    if isinstance(value, torch.Tensor) and value.numel() > 1:
        bad = int((~torch.isfinite(value.detach())).sum())
        return f"{what} returned {found} ({bad} of {value.numel()} elements are not finite)"
    return f"{what} returned {found}"


def _describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"{type(value).__name__} {value!r}"[:120]
