"""exercise10: ADALINE three ways, from hand-written gradients to nn.Linear and SGD.

Lecture 06, "PyTorch ADALINE (neuron model) Example" (the adaline-with-autograd notebook).

ADALINE is one linear neuron trained on the mean squared error (MSE):

    yhat = x @ w + b                      x: (N, m), w: (m, 1), b: (1,), yhat: (N,)
    L(w, b) = (1/N) * sum_i (y_i - yhat_i)^2

    dL/dyhat_i = -(2/N) * (y_i - yhat_i)
    dL/dw = x^T @ dL/dyhat                 (m, 1)
    dL/db = sum_i dL/dyhat_i               one number

Gradient descent moves against the gradient: w := w - lr * dL/dw = w + lr * (-dL/dw).
`Adaline1.backward` returns the *negative* gradient (-dL/dw, -dL/db), exactly as its names say;
the training loop then adds lr times it.

Training (all three `train_*` functions, as in the notebook): call `torch.manual_seed(seed)` once,
then in every epoch draw `torch.randperm(len(y))`, cut it into minibatches with
`torch.split(permutation, minibatch_size)` and take one gradient step per minibatch on that
minibatch's MSE. After each epoch, append the MSE of the whole training set (a Python float).

With the lecture's data (Iris, zero initialisation, lr 0.01, minibatch 10, seed 123) all three
print the same curve: 0.38849, 0.31679, 0.26379, ... 0.10025 after 20 epochs.
"""

from __future__ import annotations

import torch


class Adaline1:
    """ADALINE with hand-derived gradients: no autograd anywhere."""

    weight: torch.Tensor  # (num_features, 1), float32, zeros
    bias: torch.Tensor  # (1,), float32, zero

    def __init__(self, num_features: int) -> None:
        """Create `weight` (num_features, 1) and `bias` (1,), float32 zeros, no requires_grad."""
        raise NotImplementedError("exercise10: create Adaline1's zero weight and bias")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Net input x @ weight + bias, flattened to shape (N,) (ADALINE's activation is linear)."""
        raise NotImplementedError("exercise10: implement Adaline1.forward")

    def backward(
        self, x: torch.Tensor, yhat: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The negative MSE gradient by the chain rule: (-dL/dw of shape (m, 1), -dL/db).

        x: (N, m), yhat and y: (N,). Compute it by hand (no autograd), in x's dtype.
        """
        raise NotImplementedError("exercise10: derive and return (-dL/dw, -dL/db)")


class Adaline2:
    """ADALINE whose gradients come from torch.autograd.grad."""

    weight: torch.Tensor  # (num_features, 1), float32 zeros, requires_grad=True
    bias: torch.Tensor  # (1,), float32 zero, requires_grad=True

    def __init__(self, num_features: int) -> None:
        """Create `weight` (num_features, 1) and `bias` (1,): float32 zeros with requires_grad."""
        raise NotImplementedError("exercise10: create Adaline2's weight and bias leaves")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Net input x @ weight + bias, flattened to shape (N,)."""
        raise NotImplementedError("exercise10: implement Adaline2.forward")


class Adaline3(torch.nn.Module):
    """ADALINE as an nn.Module: one nn.Linear(num_features, 1) named `linear`, set to zero."""

    def __init__(self, num_features: int) -> None:
        """Register `self.linear = torch.nn.Linear(num_features, 1)`, then zero its parameters."""
        raise NotImplementedError("exercise10: build Adaline3's zeroed nn.Linear")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """self.linear(x), flattened to shape (N,)."""
        raise NotImplementedError("exercise10: implement Adaline3.forward")


def train_manual(
    model: Adaline1,
    x: torch.Tensor,
    y: torch.Tensor,
    num_epochs: int,
    learning_rate: float = 0.01,
    seed: int = 123,
    minibatch_size: int = 10,
) -> list[float]:
    """Minibatch gradient descent with `model.backward`; return each epoch's training-set MSE."""
    raise NotImplementedError("exercise10: implement train_manual")


def train_autograd(
    model: Adaline2,
    x: torch.Tensor,
    y: torch.Tensor,
    num_epochs: int,
    learning_rate: float = 0.01,
    seed: int = 123,
    minibatch_size: int = 10,
) -> list[float]:
    """As train_manual, with gradients from torch.autograd.grad and in-place updates under
    torch.no_grad(), so that weight and bias stay leaf tensors. Return each epoch's MSE."""
    raise NotImplementedError("exercise10: implement train_autograd")


def train_sgd(
    model: Adaline3,
    x: torch.Tensor,
    y: torch.Tensor,
    num_epochs: int,
    learning_rate: float = 0.01,
    seed: int = 123,
    minibatch_size: int = 10,
) -> list[float]:
    """As train_manual, with F.mse_loss, loss.backward() and torch.optim.SGD(lr=learning_rate).
    Return each epoch's training-set MSE."""
    raise NotImplementedError("exercise10: implement train_sgd")
