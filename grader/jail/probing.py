"""Helpers for probes: runs inside the sandbox; reports facts, decides nothing.

An exercise's probes.py runs in the sandbox next to the student's code and answers the judge
with plain data. What several probes watch the same way lives here: the backward passes
autograd's engine runs, the device a value is on, and which errors raised off the CPU are facts
for the judge rather than the verdict. This module imports only torch and the standard library,
and keeps no state between calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import torch
from torch.autograd.variable import Variable

ERROR_CHARS = 300  # an error recorded as a fact is cut to this length


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


def device_of(value: object) -> str:
    """The device type ("cpu", "cuda", "meta") of a tensor, else the value's type name."""
    return value.device.type if isinstance(value, torch.Tensor) else type(value).__name__


def tolerated(exc: BaseException, target: str) -> bool:
    """Whether an error on `target` is reported as a fact rather than raised.

    On the CPU nothing is (the student's error is the verdict); elsewhere device mix-ups and
    meta's missing data are facts for the judge, but the stub's NotImplementedError and running
    out of memory keep their own verdicts.
    """
    out_of_memory = (MemoryError, getattr(torch.cuda, "OutOfMemoryError", MemoryError))
    if target == "cpu" or isinstance(exc, out_of_memory) or "out of memory" in str(exc).lower():
        return False
    return not (isinstance(exc, NotImplementedError) and "meta" not in str(exc))


class ErrorFact:
    """A block whose tolerated error (an `Exception`, see `tolerated`) becomes a fact.

        with ErrorFact(target) as raised:
            result = student.train_step(...)
        report["error"] = raised.text  # "TypeError: ..." or None

    Any other exception leaves the block unchanged.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self.text: str | None = None

    def __enter__(self) -> ErrorFact:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if not isinstance(exc, Exception) or not tolerated(exc, self.target):
            return False
        self.text = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
        return True
