"""Helpers for probes: runs inside the sandbox; reports facts, decides nothing.

An exercise's probes.py runs in the sandbox next to the student's code and answers the judge
with plain data. What several probes watch the same way lives here: the backward passes
autograd's engine runs. This module imports only torch and the standard library,
and keeps no state between calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
def watching_backward_passes() -> Iterator[list[str]]:
    """Within the block, note each backward pass: "grad" (autograd.grad) or "backward".

    The engine is put back on leaving the block, whatever happens inside it.
    """
    runs: list[str] = []
    engine = Variable._execution_engine
    Variable._execution_engine = _CountingEngine(engine, runs)  # type: ignore[assignment]
    try:
        yield runs
    finally:
        Variable._execution_engine = engine


def count_backward_passes(call: Callable[[], object]) -> dict[str, int]:
    """Run `call()` once; how many backward passes autograd.grad and backward ran in it."""
    with watching_backward_passes() as runs:
        call()
    return {"grad": runs.count("grad"), "backward": runs.count("backward")}
