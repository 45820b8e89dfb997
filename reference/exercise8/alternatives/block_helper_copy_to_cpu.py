"""A correct exercise8 written differently: a helper builds each Linear + ReLU block, the
Sequential is unpacked from them, and the hook keeps a detached CPU copy
(to("cpu", copy=True)), printing the shape it saw."""

from __future__ import annotations

import torch
from torch import nn


def block(n_in: int, n_out: int) -> list[nn.Module]:
    return [nn.Linear(n_in, n_out), nn.ReLU()]


def make_sequential(num_features, num_hidden_1, num_hidden_2, num_classes):
    return nn.Sequential(
        *block(num_features, num_hidden_1),
        *block(num_hidden_1, num_hidden_2),
        nn.Linear(num_hidden_2, num_classes),
    )


def capture_activation(model: nn.Sequential, index: int):
    captured: list[torch.Tensor] = []

    def hook(module, inputs, output):
        print(f"captured {tuple(output.shape)} from {type(module).__name__}")
        captured.append(output.detach().to("cpu", copy=True))

    return captured, model[index].register_forward_hook(hook)
