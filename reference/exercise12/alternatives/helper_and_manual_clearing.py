"""A correct exercise12 written differently: a helper moves any number of tensors, the old
gradients are cleared by hand (p.grad = None for every parameter), the model is called through
a keyword-free forward, and the value comes back through loss.detach().tolist()."""

from __future__ import annotations

import torch


def to_device(device: str | torch.device, *tensors: torch.Tensor) -> list[torch.Tensor]:
    return [t.to(device) for t in tensors]


def clear_gradients(model: torch.nn.Module) -> None:
    for parameter in model.parameters():
        parameter.grad = None


def train_step(model, optimizer, loss_fn, features, targets, device):
    inputs, labels = to_device(device, features, targets)
    clear_gradients(model)
    loss = loss_fn(model.forward(inputs), labels)
    loss.backward()
    optimizer.step()
    return float(loss.detach().tolist())
