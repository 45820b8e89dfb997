"""exercise6 probes (sandbox-side, public): was autograd used where the chain rule was asked for?

A probe only reports facts as plain data; the judge decides. The backward-pass count is bound
when the sandbox loads this file, before the submission is imported.
"""

from __future__ import annotations

from types import ModuleType

import torch

from grader.jail.probing import count_backward_passes


def autograd_use(
    student: ModuleType,
    device: str,
    x: torch.Tensor,
    y: float,
    W1: torch.Tensor,
    W2: torch.Tensor,
    w3: torch.Tensor,
) -> dict[str, int]:
    """Call path_terms and grad_W1 once each; count autograd's backward passes and graph use.

    `grad` / `backward` / `unseen` are backward passes (torch.autograd.grad, backward, and
    those that bypassed the engine's entry point), checked against the engine's own counter;
    `saved` counts tensors autograd saved for a backward pass on this thread (a graph was
    built), which a submission can hide, so it is feedback only.
    """
    args = [t.to(device) if isinstance(t, torch.Tensor) else t for t in (x, y, W1, W2, w3)]
    counts = {"saved": 0}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        counts["saved"] += 1
        return tensor

    def both() -> None:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            student.path_terms(*args)
            student.grad_W1(*args)

    return {**count_backward_passes(both), **counts}


def grad_W1_twice(
    student: ModuleType,
    device: str,
    x: torch.Tensor,
    y: float,
    W1: torch.Tensor,
    W2: torch.Tensor,
    w3: torch.Tensor,
) -> list[torch.Tensor]:
    """grad_W1 called twice in a row on the same tensors, as a training loop calls it; both
    answers as returned (a function that changes its inputs in place answers the second call
    for other weights)."""
    args = [t.to(device) if isinstance(t, torch.Tensor) else t for t in (x, y, W1, W2, w3)]
    return [student.grad_W1(*args), student.grad_W1(*args)]
