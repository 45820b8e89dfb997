"""Reference solution for exercise 8 (Lecture 06, slides 40-41): Sequential and a forward hook."""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.hooks import RemovableHandle


def make_sequential(
    num_features: int, num_hidden_1: int, num_hidden_2: int, num_classes: int
) -> torch.nn.Sequential:
    return torch.nn.Sequential(
        torch.nn.Linear(num_features, num_hidden_1),
        torch.nn.ReLU(),
        torch.nn.Linear(num_hidden_1, num_hidden_2),
        torch.nn.ReLU(),
        torch.nn.Linear(num_hidden_2, num_classes),
    )


def capture_activation(
    model: torch.nn.Sequential, index: int
) -> tuple[list[torch.Tensor], RemovableHandle]:
    store: list[torch.Tensor] = []

    def hook(module: torch.nn.Module, inputs: Any, output: torch.Tensor) -> None:
        store.append(output.detach().clone())  # a copy: a later in-place layer cannot touch it

    handle = model[index].register_forward_hook(hook)
    return store, handle
