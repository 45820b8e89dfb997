"""exercise9 probes (sandbox-side, public): does the student's loss backpropagate to the logits?

A probe only reports facts as plain data; the judge decides.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch


def logits_gradient(
    student: ModuleType, device: str, logits: torch.Tensor, y: torch.Tensor, reduction: str
) -> dict[str, Any]:
    """Call multiclass_loss on leaf logits, backward from the loss; report logits.grad."""
    leaf = logits.detach().to(device).requires_grad_(True)
    loss = student.multiclass_loss(leaf, y.to(device), reduction)
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        return {"connected": False, "type": type(loss).__name__}
    loss.sum().backward()
    return {"connected": True, "grad": leaf.grad}
