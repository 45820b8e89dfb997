"""exercise11: the training loop and the evaluation step.

Lecture 06, "PyTorch Usage: Step 3 (Training)" (slides 34-35):

    for epoch in range(num_epochs):
        model.train()
        for features, targets in train_loader:
            features, targets = features.to(device), targets.to(device)
            logits = model(features)                # forward
            loss = loss_fn(logits, targets)
            optimizer.zero_grad()                   # clear the previous step's gradients
            loss.backward()                         # dL/dparameters, by autograd
            optimizer.step()                        # w := w - learning_rate * dL/dw
        model.eval()
        with torch.no_grad():
            ...                                     # compute accuracy

`loss.backward()` *adds* to each parameter's `.grad`; without `zero_grad()` once per step,
before `backward`, every step would also apply all the earlier gradients. In eval mode, dropout
and batch norm switch to their inference behaviour; under `torch.no_grad()` no graph is built.
(Slide 35 writes "w := w + learning_rate x gradient": the step goes *against* the gradient.)
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.data import DataLoader


def train(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Any,
    train_loader: DataLoader[Any],
    num_epochs: int,
    device: str = "cpu",
) -> list[float]:
    """Train `model` in place for `num_epochs` epochs, one optimizer step per batch.

    `loss_fn(logits, targets)` returns the batch loss. Move each batch to `device`. Return, for
    each epoch, the mean of that epoch's batch losses as a Python float (one entry per epoch).
    """
    raise NotImplementedError("exercise11: implement the training loop")


def evaluate(model: torch.nn.Module, data_loader: DataLoader[Any], device: str = "cpu") -> float:
    """The accuracy in [0, 1] of argmax(model(features)) against the targets, over all rows.

    The model returns logits of shape (N, num_classes). Evaluate in eval mode without
    building a graph.
    """
    raise NotImplementedError("exercise11: implement evaluate")
