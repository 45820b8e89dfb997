"""What every detector shares: float64 copies that never raise, closeness, evidence, and the one
constructor of a lecture-citing `Diagnosis` (the known-error table in `grader.authoring.errors`
uses it too).

Two values count as equal when their largest difference is within `RTOL` of the largest
magnitude involved: loose enough for float32 answers, tight enough not to mistake a wrong
factor for a right one.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy
import torch

from grader.outputs.models import Diagnosis

Value: TypeAlias = torch.Tensor | float
RTOL = 1e-5
ATOL = 1e-12


def lecture(code: str, title: str, slide: str, text: str, evidence: str = "") -> Diagnosis:
    """A diagnosis whose explanation names the lecture slide or topic first."""
    return Diagnosis(
        code=code,
        title=title,
        explanation=f"Lecture 06, {slide}: {text}",
        slide=slide,
        evidence=evidence,
    )


def as_float64(value: object) -> torch.Tensor | None:
    """A finite, non-empty float64 CPU copy of a tensor or number; None for anything else."""
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, torch.Tensor):
            if value.layout != torch.strided or value.is_complex():
                return None
            tensor = value.detach().to(device="cpu", dtype=torch.float64)
        else:
            tensor = torch.as_tensor(value, dtype=torch.float64)
        if tensor.numel() == 0 or not bool(torch.isfinite(tensor).all()):
            return None
        return tensor
    except Exception:  # odd input of any kind means "no diagnosis", never an error
        return None


def is_close(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Same shape and max|a - b| <= RTOL * max(|a|, |b|) (+ a tiny floor); empty is close."""
    if a.shape != b.shape:
        return False
    if a.numel() == 0:
        return True
    scale = max(a.abs().max().item(), b.abs().max().item())
    return (a - b).abs().max().item() <= RTOL * scale + ATOL


def pair(got: object, expected: object) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Both as float64 (two single numbers as 0-dim tensors); None when either is not one."""
    g, e = as_float64(got), as_float64(expected)
    if g is None or e is None:
        return None
    if g.numel() == 1 and e.numel() == 1:
        return g.reshape(()), e.reshape(())
    return g, e


def wrong_pair(got: object, expected: object) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Both as float64 with the same shape, and not equal: the case detectors explain."""
    found = pair(got, expected)
    if found is None or found[0].shape != found[1].shape or is_close(*found):
        return None
    return found


def shaped_like(value: object, like: torch.Tensor) -> torch.Tensor | None:
    """`value` as float64 with `like`'s shape (a single number fits a single number)."""
    tensor = as_float64(value)
    if tensor is not None and tensor.numel() == 1 and like.numel() == 1:
        tensor = tensor.reshape(like.shape)
    return tensor if tensor is not None and tensor.shape == like.shape else None


def at(shape: torch.Size, flat: int) -> str:
    """The index of flat position `flat` in `shape`, as "[i, j]" ("" for a scalar)."""
    if len(shape) == 0:
        return ""
    # numpy's, not torch.unravel_index: that one imports torch's symbolic shapes (and sympy)
    index = [int(i) for i in numpy.unravel_index(flat, tuple(shape))]
    return "[" + ", ".join(map(str, index)) + "]"


def evidence(
    got: torch.Tensor, expected: torch.Tensor, flat: int | None = None, name: str = "gradient"
) -> str:
    """One element, by default the one that differs most: where, expected and got."""
    if flat is None:
        flat = int((got - expected).abs().flatten().argmax().item())
    e, g = expected.flatten()[flat].item(), got.flatten()[flat].item()
    return f"{name}{at(expected.shape, flat)}: expected {e:.6g}, got {g:.6g}"
