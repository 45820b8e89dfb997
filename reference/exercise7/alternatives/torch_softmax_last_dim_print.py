"""A correct exercise7 with torch.relu / torch.softmax(logits, dim=-1) (the last dim is the
classes' for (N, C) logits), a helper for the hidden layers, and a print in __init__."""

from __future__ import annotations

import torch


class MultilayerPerceptron(torch.nn.Module):
    def __init__(
        self, num_features: int, num_hidden_1: int, num_hidden_2: int, num_classes: int
    ) -> None:
        super().__init__()
        self.hidden_1 = torch.nn.Linear(num_features, num_hidden_1)
        self.hidden_2 = torch.nn.Linear(num_hidden_1, num_hidden_2)
        self.output = torch.nn.Linear(num_hidden_2, num_classes)
        print(f"MLP {num_features} -> {num_hidden_1} -> {num_hidden_2} -> {num_classes}")

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.hidden_2(torch.relu(self.hidden_1(x))))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.output(self.hidden(x))
        return logits, torch.softmax(logits, dim=-1)
