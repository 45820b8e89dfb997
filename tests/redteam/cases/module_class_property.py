# attack: make_sequential returns its own module (not an nn.Sequential) whose __class__ property
# attack: says nn.Sequential, so isinstance answers yes
# exercise: exercise8
# expect: passed|failed|invalid|error
"""Reference solution for exercise 8 (Lecture 06, slides 40-41): Sequential and a forward hook."""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.hooks import RemovableHandle


def make_sequential(
    num_features: int, num_hidden_1: int, num_hidden_2: int, num_classes: int
) -> torch.nn.Sequential:
    return Layers(
        torch.nn.Linear(num_features, num_hidden_1),
        torch.nn.ReLU(),
        torch.nn.Linear(num_hidden_1, num_hidden_2),
        torch.nn.ReLU(),
        torch.nn.Linear(num_hidden_2, num_classes),
    )


class Layers(torch.nn.Module):
    """Not an nn.Sequential: the layers in a ModuleList, applied in order."""

    def __init__(self, *layers):
        super().__init__()
        self.layers = torch.nn.ModuleList(layers)

    def __getitem__(self, index):
        return self.layers[index]

    def children(self):
        return iter(self.layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def capture_activation(
    model: torch.nn.Sequential, index: int
) -> tuple[list[torch.Tensor], RemovableHandle]:
    store: list[torch.Tensor] = []

    def hook(module: torch.nn.Module, inputs: Any, output: torch.Tensor) -> None:
        store.append(output.detach())

    handle = model[index].register_forward_hook(hook)
    return store, handle


# --- attack ---
class Layers(Layers):
    @property
    def __class__(self):
        return torch.nn.Sequential
# --- end attack ---
