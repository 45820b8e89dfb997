# attack: every trainer returns NaN for each epoch's MSE, as Python floats of the right count:
# attack: the "losses are Python floats" check must not pay for losses that are not numbers
# exercise: exercise10
# expect: passed|failed|invalid|error
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
from __future__ import annotations

import torch
import torch.nn.functional as F


class Adaline1:
    def __init__(self, num_features: int) -> None:
        self.num_features = num_features
        self.weight = torch.zeros(num_features, 1, dtype=torch.float32)
        self.bias = torch.zeros(1, dtype=torch.float32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x @ self.weight + self.bias).view(-1)

    def backward(
        self, x: torch.Tensor, yhat: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        grad_loss_yhat = -2.0 * (y - yhat) / y.size(0)  # dL/dyhat, (N,)
        grad_loss_weight = x.t() @ grad_loss_yhat.view(-1, 1)  # (m, 1)
        grad_loss_bias = grad_loss_yhat.sum()
        return -grad_loss_weight, -grad_loss_bias


class Adaline2:
    def __init__(self, num_features: int) -> None:
        self.num_features = num_features
        self.weight = torch.zeros(num_features, 1, dtype=torch.float32, requires_grad=True)
        self.bias = torch.zeros(1, dtype=torch.float32, requires_grad=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x @ self.weight + self.bias).view(-1)


class Adaline3(torch.nn.Module):
    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(num_features, 1)
        with torch.no_grad():
            self.linear.weight.zero_()
            self.linear.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(-1)


def mse(yhat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.mean((yhat - y) ** 2)


def minibatches(n: int, minibatch_size: int) -> tuple[torch.Tensor, ...]:
    return torch.split(torch.randperm(n, dtype=torch.long), minibatch_size)


def train_manual(model, x, y, num_epochs, learning_rate=0.01, seed=123, minibatch_size=10):
    raise NotImplementedError("exercise10: implement train_manual")


train_autograd = train_sgd = train_manual


# --- attack ---
def train_manual(model, x, y, num_epochs, learning_rate=0.01, seed=123, minibatch_size=10):
    return [float("nan")] * num_epochs


train_autograd = train_sgd = train_manual
# --- end attack ---
