"""exercise10 probes (sandbox-side, public): build the student's ADALINEs and train them.

A probe only reports facts as plain data; the judge decides. The ADALINEs create their tensors
where torch puts them by default, so these probes run on the CPU whatever `device` says.

`load_iris` runs judge-side only: the sandbox cannot read the data file, so the judge loads and
splits it here and sends the tensors.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import torch

CLASSES = {"manual": "Adaline1", "autograd": "Adaline2", "sgd": "Adaline3"}
TRAINERS = {"manual": "train_manual", "autograd": "train_autograd", "sgd": "train_sgd"}


class IrisSplit(NamedTuple):
    """The notebook's split: standardised with the training set's mean and std."""

    x_train: torch.Tensor  # (70, 2) float32: sepal width, petal length
    y_train: torch.Tensor  # (70,) float32: 0 = versicolor, 1 = virginica
    x_test: torch.Tensor  # (30, 2)
    y_test: torch.Tensor  # (30,)


def load_iris(path: Path, columns: tuple[int, int] = (1, 2), seed: int = 123) -> IrisSplit:
    """Rows 50-149 of iris.data, two feature columns, the notebook's 70/30 shuffle split.

    The notebook shuffles X and y with one permutation and then indexes the shuffled tensors
    with the same permutation again; the lecture's numbers come from that double shuffle, so it
    is kept here.
    """
    rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines() if line]
    rows = rows[50:150]
    features = torch.tensor([[float(row[c]) for c in columns] for row in rows])
    labels = torch.tensor([0.0 if row[4].strip() == "Iris-versicolor" else 1.0 for row in rows])
    torch.manual_seed(seed)
    order = torch.randperm(labels.size(0), dtype=torch.long)
    features, labels = features[order], labels[order]
    cut = int(order.size(0) * 0.7)
    train, test = order[:cut], order[cut:]
    mu, sigma = features[train].mean(dim=0), features[train].std(dim=0)
    return IrisSplit(
        (features[train] - mu) / sigma, labels[train], (features[test] - mu) / sigma, labels[test]
    )


def describe(value: Any) -> dict[str, Any] | None:
    """What a parameter looks like: values, shape and its place in the autograd graph."""
    if not isinstance(value, torch.Tensor):
        return None
    grad_fn = value.grad_fn
    return {
        "value": value.detach().clone(),
        "requires_grad": bool(value.requires_grad),
        "is_leaf": bool(value.is_leaf),
        "grad_fn": None if grad_fn is None else type(grad_fn).__name__,
    }


def parameters_of(model: Any, variant: str) -> tuple[Any, Any]:
    """(weight, bias) of an ADALINE; Adaline3 keeps them in its nn.Linear called `linear`."""
    owner = getattr(model, "linear", None) if variant == "sgd" else model
    return getattr(owner, "weight", None), getattr(owner, "bias", None)


def initial_state(
    student: ModuleType, device: str, variant: str, num_features: int
) -> dict[str, Any]:
    """A freshly built ADALINE: its weight and bias, and (Adaline3) its registered parameters."""
    model = getattr(student, CLASSES[variant])(num_features)
    weight, bias = parameters_of(model, variant)
    registered = None
    if isinstance(model, torch.nn.Module):
        registered = [list(p.shape) for p in model.parameters()]
    return {
        "weight": describe(weight),
        "bias": describe(bias),
        "is_module": isinstance(model, torch.nn.Module),
        "linear_is_linear": isinstance(getattr(model, "linear", None), torch.nn.Linear),
        "registered": registered,
    }


def forward_values(
    student: ModuleType,
    device: str,
    variant: str,
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor,
) -> Any:
    """forward(x) after setting weight and bias to the given values (reshaped to the model's)."""
    model = getattr(student, CLASSES[variant])(x.shape[1])
    own_weight, own_bias = parameters_of(model, variant)
    with torch.no_grad():
        own_weight.copy_(weight.reshape(own_weight.shape))
        own_bias.copy_(bias.reshape(own_bias.shape))
        return model.forward(x)


def manual_backward(
    student: ModuleType, device: str, x: torch.Tensor, yhat: torch.Tensor, y: torch.Tensor
) -> Any:
    """Adaline1(m).backward(x, yhat, y), returned as it came."""
    model = student.Adaline1(x.shape[1])
    return model.backward(x, yhat, y)


def train_curve(
    student: ModuleType,
    device: str,
    variant: str,
    x: torch.Tensor,
    y: torch.Tensor,
    num_epochs: int,
    learning_rate: float,
    seed: int,
    minibatch_size: int,
) -> dict[str, Any]:
    """Train a fresh zero-initialised ADALINE; report the returned losses and final parameters."""
    model = getattr(student, CLASSES[variant])(x.shape[1])
    train = getattr(student, TRAINERS[variant])
    losses = train(
        model,
        x,
        y,
        num_epochs,
        learning_rate=learning_rate,
        seed=seed,
        minibatch_size=minibatch_size,
    )
    weight, bias = parameters_of(model, variant)
    return {"losses": losses, "weight": describe(weight), "bias": describe(bias)}
