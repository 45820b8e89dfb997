"""exercise4 probes (sandbox-side, public): watch the backward passes and the tensor hooks that
the student's code creates. A probe only reports facts as plain data; the judge decides. The
inputs of this exercise are Python floats, so `device` is not used.

The sandbox loads this file before it imports the submission, so `Tensor.register_hook` is
replaced by a recording one at that moment: a reference the submission keeps at import is the
recording one. Whether hooks are left is read from each hooked tensor's C-level
`_backward_hooks`, not from what the tensor says.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import torch

from grader.jail.probing import backward_hook_count, count_backward_passes


def _recording_register_hook() -> Callable[[], list[torch.Tensor]]:
    """Install a `Tensor.register_hook` that records the tensors hooks are registered on
    (keeping them alive to look at after the call); returns a function that starts a new
    record and gives the list it fills. It stays in place for the sandbox's life."""
    records: list[list[torch.Tensor]] = [[]]
    original: Any = torch.Tensor.register_hook

    def register_hook(tensor: torch.Tensor, hook: Any) -> Any:
        records[-1].append(tensor)
        return original(tensor, hook)

    def start() -> list[torch.Tensor]:
        records[:] = [[]]
        return records[-1]

    register_hook.__doc__ = original.__doc__
    torch.Tensor.register_hook = register_hook  # type: ignore[method-assign]
    return start


_start_recording = _recording_register_hook()


def backward_passes(student: ModuleType, device: str, method: str, x: float, w: float,
                    b: float) -> dict[str, int]:  # fmt: skip
    """Call intermediate_grads once; count the backward passes of autograd.grad, of backward,
    and those that bypassed the engine's entry point ("unseen")."""
    return count_backward_passes(lambda: student.intermediate_grads(x, w, b, method))


def hooks_left(student: ModuleType, device: str, method: str, x: float, w: float,
               b: float) -> dict[str, int]:  # fmt: skip
    """Call intermediate_grads once; count the tensor hooks registered, and those still there
    (-1 for a tensor whose hook table is not a dictionary)."""
    hooked = _start_recording()
    student.intermediate_grads(x, w, b, method)
    tensors = list({id(t): t for t in hooked}.values())
    counts = [backward_hook_count(tensor) for tensor in tensors]
    left = -1 if any(c < 0 for c in counts) else sum(counts)
    return {"registered": len(hooked), "left": left}


def called_twice(student: ModuleType, device: str, method: str, first: list[float],
                 second: list[float]) -> list[Any]:  # fmt: skip
    """The answers of intermediate_grads at `first`, then at `second`, as returned."""
    return [student.intermediate_grads(*first, method), student.intermediate_grads(*second, method)]
