"""exercise9 probes (sandbox-side, public): does the student's loss backpropagate to the logits?

A probe only reports facts as plain data; the judge decides. Facts about tensors are read with
torch's C-level accessors (grader.jail.probing), bound before the submission is imported.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch

from grader.jail.probing import grad_of, is_tensor, requires_grad


def logits_gradient(
    student: ModuleType, device: str, logits: torch.Tensor, y: torch.Tensor, reduction: str
) -> dict[str, Any]:
    """Call multiclass_loss on leaf logits, backward from the loss; report logits.grad."""
    leaf = logits.detach().to(device).requires_grad_(True)
    loss = student.multiclass_loss(leaf, y.to(device), reduction)
    if not is_tensor(loss) or not requires_grad(loss):
        return {"connected": False, "type": type(loss).__name__}
    loss.sum().backward()
    return {"connected": True, "grad": grad_of(leaf)}


def binary_gradient(
    student: ModuleType, device: str, logits: torch.Tensor, y: torch.Tensor
) -> dict[str, Any]:
    """Call binary_loss on leaf logits, backward from the loss; report logits.grad."""
    leaf = logits.detach().to(device).requires_grad_(True)
    loss = student.binary_loss(leaf, y.to(device))
    if not is_tensor(loss) or not requires_grad(loss):
        return {"connected": False, "type": type(loss).__name__}
    loss.sum().backward()
    return {"connected": True, "grad": grad_of(leaf)}
