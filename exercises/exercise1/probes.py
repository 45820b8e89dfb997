"""exercise1 probes (sandbox-side, public): watch which backward passes the student's code runs.

A probe only reports facts as plain data; the judge decides. The inputs of this exercise are
Python floats, so `device` is not used. The helpers are bound when the sandbox loads this file,
before the submission is imported.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from grader.jail.probing import count_backward_passes


def backward_passes(
    student: ModuleType, device: str, name: str, x: float, w: float, b: float
) -> dict[str, int]:
    """Call `name(x, w, b)` once; count the backward passes run by autograd.grad, by backward,
    and those that bypassed the engine's entry point ("unseen")."""
    return count_backward_passes(lambda: getattr(student, name)(x, w, b))


def called_twice(
    student: ModuleType, device: str, name: str, x: float, w: float, b: float
) -> list[Any]:
    """The answers of two calls of `name(x, w, b)` in a row, as returned."""
    function = getattr(student, name)
    return [function(x, w, b), function(x, w, b)]
