"""exercise4 probes (sandbox-side, public): watch the backward passes and the tensor hooks that
the student's code creates. A probe only reports facts as plain data; the judge decides. The
inputs of this exercise are Python floats, so `device` is not used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import torch

from grader.jail import probing


@contextmanager
def _watching_hooks() -> Iterator[list[torch.Tensor]]:
    """Record every tensor a hook is registered on (keeping it alive to look at it after)."""
    hooked: list[torch.Tensor] = []
    original: Any = torch.Tensor.register_hook

    def register_hook(tensor: torch.Tensor, hook: Any) -> Any:
        hooked.append(tensor)
        return original(tensor, hook)

    torch.Tensor.register_hook = register_hook  # type: ignore[method-assign]
    try:
        yield hooked
    finally:
        torch.Tensor.register_hook = original  # type: ignore[method-assign]


def backward_passes(student: ModuleType, device: str, method: str, x: float, w: float,
                    b: float) -> dict[str, int]:  # fmt: skip
    """Call intermediate_grads once; count the backward passes of autograd.grad and backward."""
    return probing.count_backward_passes(lambda: student.intermediate_grads(x, w, b, method))


def hooks_left(student: ModuleType, device: str, method: str, x: float, w: float,
               b: float) -> dict[str, int]:  # fmt: skip
    """Call intermediate_grads once; count the tensor hooks registered, and those still there."""
    with _watching_hooks() as hooked:
        student.intermediate_grads(x, w, b, method)
    left = sum(len(tensor._backward_hooks or {}) for tensor in {id(t): t for t in hooked}.values())
    return {"registered": len(hooked), "left": left}


def called_twice(student: ModuleType, device: str, method: str, first: list[float],
                 second: list[float]) -> list[Any]:  # fmt: skip
    """The answers of intermediate_grads at `first`, then at `second`, as returned."""
    return [student.intermediate_grads(*first, method), student.intermediate_grads(*second, method)]
