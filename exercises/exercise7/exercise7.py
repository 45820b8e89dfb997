"""Exercise 7: a multilayer perceptron as a torch.nn.Module.

Lecture 06, slide 31 ("PyTorch Usage: Step 1 (Definition)") and slide 39 ("Object-Oriented vs
Functional API"). The network has two ReLU hidden layers and a linear output layer:

    h1     = relu(x @ W1.T + b1)          linear_1:   num_features -> num_hidden_1
    h2     = relu(h1 @ W2.T + b2)         linear_2:   num_hidden_1 -> num_hidden_2
    logits = h2 @ W3.T + b3               linear_out: num_hidden_2 -> num_classes
    probas = softmax(logits, dim=1)       one probability distribution per row (example)

`__init__` creates the layers, which holds the parameters; `forward` says in which order they
are used; autograd infers the backward pass. Layers must be registered with the module (assigned
as attributes, or held in an nn.ModuleList / nn.Sequential) so that `model.parameters()` finds
them. Note: slide 31 returns `F.log_softmax(logits, dim=1)` as "probas"; here `probas` must be
probabilities, softmax over the class dimension, each row summing to 1.
"""

from __future__ import annotations

import torch


class MultilayerPerceptron(torch.nn.Module):
    """Linear -> ReLU -> Linear -> ReLU -> Linear, returning (logits, probas)."""

    def __init__(
        self, num_features: int, num_hidden_1: int, num_hidden_2: int, num_classes: int
    ) -> None:
        """Create the three nn.Linear layers (with biases) and register them on the module."""
        raise NotImplementedError("exercise7: create and register the three layers")

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: (N, num_features) -> (logits, probas), both (N, num_classes).

        logits are the output layer's net inputs (unnormalised); probas = softmax(logits, dim=1).
        """
        raise NotImplementedError("exercise7: compute (logits, probas)")
