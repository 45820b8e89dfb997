"""exercise1 probes (sandbox-side, public): watch which backward passes the student's code runs.

A probe only reports facts as plain data; the judge decides. The inputs of this exercise are
Python floats, so `device` is not used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from torch.autograd.variable import Variable


class _CountingEngine:
    """Stands in for autograd's engine and records each backward pass it runs.

    `torch.autograd.grad` runs the engine with accumulate_grad=False (gradients are returned);
    `Tensor.backward` / `torch.autograd.backward` with accumulate_grad=True (they go to `.grad`).
    """

    def __init__(self, engine: Any, runs: list[str]) -> None:
        self._engine = engine
        self._runs = runs

    def run_backward(self, *args: Any, **kwargs: Any) -> Any:
        accumulate = kwargs.get("accumulate_grad", args[6] if len(args) > 6 else True)
        self._runs.append("backward" if accumulate else "grad")
        return self._engine.run_backward(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


@contextmanager
def _watching_backward_passes() -> Iterator[list[str]]:
    runs: list[str] = []
    engine = Variable._execution_engine
    Variable._execution_engine = _CountingEngine(engine, runs)  # type: ignore[assignment]
    try:
        yield runs
    finally:
        Variable._execution_engine = engine


def backward_passes(
    student: ModuleType, device: str, name: str, x: float, w: float, b: float
) -> dict[str, int]:
    """Call `name(x, w, b)` once; count the backward passes run by autograd.grad and by backward."""
    with _watching_backward_passes() as runs:
        getattr(student, name)(x, w, b)
    return {"grad": runs.count("grad"), "backward": runs.count("backward")}


def called_twice(
    student: ModuleType, device: str, name: str, x: float, w: float, b: float
) -> list[Any]:
    """The answers of two calls of `name(x, w, b)` in a row, as returned."""
    function = getattr(student, name)
    return [function(x, w, b), function(x, w, b)]
