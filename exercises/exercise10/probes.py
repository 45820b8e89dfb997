"""exercise10 probes (sandbox-side, public): build the student's ADALINEs and train them.

A probe only reports facts as plain data; the judge decides. Facts about the weights are read
from the objects' own dictionaries with torch's C-level accessors (grader.jail.probing, bound
before the submission is imported). The ADALINEs create their tensors
where torch puts them by default, so these probes run on the CPU whatever `device` says.

`load_iris` runs judge-side only: the sandbox cannot read the data file, so the judge loads and
splits it here and sends the tensors.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import torch

from grader.jail.probing import (
    is_instance,
    is_module,
    module_state,
    registered_parameters,
    tensor_facts,
)

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
    """What a parameter looks like: values, shape and its place in the autograd graph, read
    with torch's C-level descriptors (a tensor subclass's properties do not answer)."""
    facts = tensor_facts(value)
    if facts is None:
        return None
    return {
        "value": value.detach().clone(),
        "requires_grad": facts["requires_grad"],
        "is_leaf": facts["is_leaf"],
        "grad_fn": facts["grad_fn"],
    }


def parameters_of(model: Any, variant: str) -> tuple[Any, Any]:
    """(weight, bias) of an ADALINE, from the objects' own dictionaries (no property or
    `__getattr__` of the class answers); Adaline3 keeps them in its nn.Linear `linear`."""
    if variant == "sgd":
        linear = _own(model, "_modules").get("linear") if is_module(model) else None
        params = _own(linear, "_parameters") if is_instance(linear, torch.nn.Linear) else {}
        return params.get("weight"), params.get("bias")
    state = _own_dict(model)
    return state.get("weight"), state.get("bias")


def _own(module: Any, name: str) -> dict[str, Any]:
    """One of an nn.Module's own registries (`_modules`, `_parameters`), or {}."""
    found = module_state(module).get(name)
    return dict(found) if type(found) is dict else {}


def _own_dict(value: Any) -> dict[str, Any]:
    """An object's instance dictionary, or {} (object.__getattribute__: no __getattr__)."""
    try:
        found = object.__getattribute__(value, "__dict__")
    except AttributeError:
        return {}
    return dict(found) if type(found) is dict else {}


def initial_state(
    student: ModuleType, device: str, variant: str, num_features: int
) -> dict[str, Any]:
    """A freshly built ADALINE: its weight and bias, and (Adaline3) its registered parameters."""
    model = getattr(student, CLASSES[variant])(num_features)
    weight, bias = parameters_of(model, variant)
    registered = None
    if is_module(model):
        registered = [list(p.shape) for _, p in registered_parameters(model)]
    linear = _own(model, "_modules").get("linear") if is_module(model) else None
    return {
        "weight": describe(weight),
        "bias": describe(bias),
        "is_module": is_module(model),
        "linear_is_linear": is_instance(linear, torch.nn.Linear),
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
