"""exercise12: moving models and data to a device, inside one training step.

Lecture 06, "PyTorch Usage: Step 2 (Creation)" and "Step 3 (Training)":

    model = model.to(device)                        # once, before creating the optimizer
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    ...
    features = features.to(device)                  # every batch: "If your model is on the
    targets = targets.to(device)                    #  GPU, data should also be on the GPU"

An operation between tensors on different devices raises ("Expected all tensors to be on the
same device"). `.to(device)` returns a tensor on `device` (the same tensor if it is already
there); it does not move the tensor you call it on, so keep what it returns.
"""

from __future__ import annotations

from typing import Any

import torch


def train_step(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Any,
    features: torch.Tensor,
    targets: torch.Tensor,
    device: str,
) -> float:
    """One optimisation step on one batch; return the batch's loss as a Python float.

    The model and its optimizer are already on `device`; `features` and `targets` may not be.
    Move the data to `device`, run the forward pass, compute `loss_fn(output, targets)`, clear
    the old gradients, backpropagate and step. Return the loss computed before the step.
    """
    raise NotImplementedError("exercise12: implement train_step")
