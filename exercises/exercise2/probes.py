"""exercise2 probes (sandbox-side, public): drive the student's autograd Function.

A probe only reports facts as plain data; the judge decides.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch

from grader.jail.probing import grad_of


def forward(student: ModuleType, device: str, x: torch.Tensor) -> torch.Tensor:
    """relu(x) through the student's Function, without building a graph."""
    with torch.no_grad():
        return student.relu(x.to(device))


def backward(
    student: ModuleType, device: str, x: torch.Tensor, upstream: torch.Tensor
) -> dict[str, Any]:
    """Run relu(x).backward(upstream); report x.grad and whether upstream was changed in place."""
    leaf = x.detach().to(device).requires_grad_(True)
    upstream = upstream.to(device)
    kept = upstream.clone()
    out = student.relu(leaf)
    out.backward(upstream)
    return {
        "grad": grad_of(leaf),  # the C-level .grad: no property of the submission's answers
        "upstream_after": upstream,
        "upstream_changed": not torch.equal(upstream, kept),
        "out_dtype": str(out.dtype),
    }
