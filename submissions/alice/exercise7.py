"""Reference solution for exercise 7 (Lecture 06, slides 31 and 39): the MLP as an nn.Module."""

from __future__ import annotations

import torch
import torch.nn.functional as F


class MultilayerPerceptron(torch.nn.Module):
    """Linear -> ReLU -> Linear -> ReLU -> Linear, returning (logits, probas)."""

    def __init__(
        self, num_features: int, num_hidden_1: int, num_hidden_2: int, num_classes: int
    ) -> None:
        super().__init__()
        self.linear_1 = torch.nn.Linear(num_features, num_hidden_1)
        self.linear_2 = torch.nn.Linear(num_hidden_1, num_hidden_2)
        self.linear_out = torch.nn.Linear(num_hidden_2, num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = F.relu(self.linear_1(x))
        out = F.relu(self.linear_2(out))
        logits = self.linear_out(out)
        probas = F.softmax(logits, dim=1)
        return logits, probas
