"""exercise6 probes (sandbox-side, public): was autograd used where the chain rule was asked for?

A probe only reports facts as plain data; the judge decides.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import torch


def autograd_use(
    student: ModuleType,
    device: str,
    x: torch.Tensor,
    y: float,
    W1: torch.Tensor,
    W2: torch.Tensor,
    w3: torch.Tensor,
) -> dict[str, int]:
    """Call path_terms and grad_W1 once each; count graph building and autograd calls.

    `saved` counts tensors that autograd saved for a backward pass (a graph was built);
    `grad` / `backward` count calls of torch.autograd.grad / torch.autograd.backward.
    """
    args = [t.to(device) if isinstance(t, torch.Tensor) else t for t in (x, y, W1, W2, w3)]
    counts = {"saved": 0, "grad": 0, "backward": 0}
    original_grad, original_backward = torch.autograd.grad, torch.autograd.backward

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        counts["saved"] += 1
        return tensor

    torch.autograd.grad = _counting(original_grad, counts, "grad")
    torch.autograd.backward = _counting(original_backward, counts, "backward")
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            student.path_terms(*args)
            student.grad_W1(*args)
    finally:
        torch.autograd.grad, torch.autograd.backward = original_grad, original_backward
    return counts


def _counting(function: Callable[..., Any], counts: dict[str, int], key: str) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        counts[key] += 1
        return function(*args, **kwargs)

    return counted
