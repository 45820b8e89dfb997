"""exercise5 probes (sandbox-side, public): watch which backward passes the student's code runs.

A probe only reports facts as plain data; the judge decides. The inputs of this exercise are
Python floats, so `device` is not used.
"""

from __future__ import annotations

from types import ModuleType

from grader.jail.probing import count_backward_passes


def backward_passes(student: ModuleType, device: str, name: str, *args: float) -> dict[str, int]:
    """Call `name(*args)` once; count the backward passes run by autograd.grad, by backward,
    and those that bypassed the engine's entry point ("unseen")."""
    return count_backward_passes(lambda: getattr(student, name)(*args))
