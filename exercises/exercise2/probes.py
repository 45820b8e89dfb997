"""exercise2 probes (sandbox-side, public): drive the student's autograd Function.

A probe only reports facts as plain data; the judge decides.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch

from grader.jail.probing import grad_of

# Bound when the sandbox loads these probes, before the submission is imported (see _backward)
_TENSOR_BACKWARD = torch.Tensor.backward
_AUTOGRAD_BACKWARD = torch.autograd.backward
_MAKE_GRADS = torch.autograd._make_grads
_HAS_TORCH_FUNCTION = torch._C._has_torch_function_unary
_TRANSFORMS_ACTIVE = torch._C._are_functorch_transforms_active


def forward(student: ModuleType, device: str, x: torch.Tensor) -> torch.Tensor:
    """relu(x) through the student's Function, without building a graph."""
    with torch.no_grad():
        return student.relu(x.to(device))


def forward_then_reuse(student: ModuleType, device: str, x: torch.Tensor) -> torch.Tensor:
    """x + relu(x), as a residual connection writes it: x is read again after relu(x) ran, so a
    forward that changed x in place changes this sum. No graph is built."""
    with torch.no_grad():
        x = x.to(device).clone()
        return x + student.relu(x)


def backward(
    student: ModuleType, device: str, x: torch.Tensor, upstream: torch.Tensor
) -> dict[str, Any]:
    """Run relu(x).backward(upstream); report x.grad and whether upstream was changed in place."""
    leaf = x.detach().to(device).requires_grad_(True)
    upstream = upstream.to(device)
    kept = upstream.clone()
    out = student.relu(leaf)
    _backward(out, upstream)
    return {
        "grad": grad_of(leaf),  # the C-level .grad: no property of the submission's answers
        "upstream_after": upstream,
        "upstream_changed": not torch.equal(upstream, kept),
        "out_dtype": str(out.dtype),
    }


def _backward(out: Any, upstream: torch.Tensor) -> None:
    """`out.backward(upstream)`, run as torch runs it, minus the import in its shape check.

    `Tensor.backward` goes through `torch.autograd.backward`, whose `_make_grads` imports
    torch's symbolic shapes (and sympy: half a second in every sandbox) to compare the shapes.
    For a plain tensor whose shape and complexness match `upstream`'s, `_make_grads` hands on
    `upstream` itself, so this compares them here and starts the same engine call that
    `torch.autograd.backward` makes next (`_engine_run_backward`, through
    `Variable._execution_engine`, where the sandbox counts backward passes): grad_output is the
    caller's `upstream` tensor. Anything else (a tensor subclass, a torch function mode, a
    mismatch, torch's backward patched by the submission) runs `out.backward(upstream)` itself.
    """
    if not (
        type(out) is torch.Tensor
        and type(upstream) is torch.Tensor
        and torch.Tensor.backward is _TENSOR_BACKWARD
        and torch.autograd.backward is _AUTOGRAD_BACKWARD
        and torch.autograd._make_grads is _MAKE_GRADS
        and not _HAS_TORCH_FUNCTION(out)
        and not _TRANSFORMS_ACTIVE()
        and not out.is_nested
        and out.shape == upstream.shape
        and out.dtype.is_complex == upstream.dtype.is_complex
    ):
        out.backward(upstream)
        return
    torch.autograd._engine_run_backward(
        (out,), (upstream,), False, False, (), allow_unreachable=True, accumulate_grad=True
    )
