"""Exercise 8: the same multilayer perceptron as an nn.Sequential, and a forward hook.

Lecture 06, slides 40-41 ("Object-Oriented vs Functional API", "Using Sequential"). The network
of exercise 7 written as one nn.Sequential, which maps x to the logits:

    index 0   Linear(num_features, num_hidden_1)
    index 1   ReLU
    index 2   Linear(num_hidden_1, num_hidden_2)
    index 3   ReLU
    index 4   Linear(num_hidden_2, num_classes)

"Much more compact and clear, but forward may be harder to debug": you cannot put a print
between the layers. What you can do (slide 41) is register a *forward hook* on one layer:
a function hook(module, inputs, output) that PyTorch calls after that layer's forward, with
its output. `register_forward_hook` returns a handle whose `remove()` unregisters the hook.
"""

from __future__ import annotations

import torch
from torch.utils.hooks import RemovableHandle


def make_sequential(
    num_features: int, num_hidden_1: int, num_hidden_2: int, num_classes: int
) -> torch.nn.Sequential:
    """nn.Sequential(Linear, ReLU, Linear, ReLU, Linear) in that order (indices 0 to 4).

    model(x) returns the logits, shape (N, num_classes): no softmax inside.
    """
    raise NotImplementedError("exercise8: build the nn.Sequential")


def capture_activation(
    model: torch.nn.Sequential, index: int
) -> tuple[list[torch.Tensor], RemovableHandle]:
    """Hook model[index] so that every forward pass appends its output to a list.

    Returns (store, handle): `store` is a list that gains one tensor per forward pass, a copy
    of model[index]'s output detached from the graph (it is for looking at, not for backward;
    a copy, because a later in-place layer such as ReLU(inplace=True) would overwrite an
    alias: `output.detach().clone()`);
    `handle.remove()` stops the capturing. With index 1 the captured tensor is
    relu(linear_1(x)).
    """
    raise NotImplementedError("exercise8: register the forward hook")
