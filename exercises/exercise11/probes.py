"""exercise11 probes (sandbox-side, public): run the student's train and evaluate on tiny,
deterministic set-ups and record what happened, as plain data.

What is recorded, and how (facts are read with grader.jail.probing's accessors, bound when the
sandbox loads this file, before the submission is imported):
- every forward pass: whether the model and every submodule were in training mode (or all in
  eval mode), read from each module's own dictionary, and grad mode (a forward pre-hook),
  whether the output requires grad (a forward hook), and whether a gradient later flowed back
  into that output (a tensor hook on it): only such backpropagated passes are training passes,
  so an evaluation inside train() (slide 35's eval() + no_grad() at the end of each epoch) is
  not one;
- every backward: whether a parameter's `.grad` still held an earlier, non-zero gradient when
  the new one arrived (a tensor hook on each parameter): that is a missing `zero_grad`;
- every `optimizer.step()`: whether all gradients were None or zero at that moment (a step
  pre-hook): that is a `zero_grad` between `backward` and `step`.
A probe only reports facts; the judge decides. `build` is shared with the judge, which imports
this file to compute expected values.

A shuffled case's loader draws each pass's order from a generator seeded by the number of
optimizer steps taken so far (`StepSeededSampler`), not from one generator that every pass
advances: an extra pass over `train_loader` (an accuracy computed at the end of each epoch, as
slide 35 does) then leaves every training epoch's order, and so the reference curve, unchanged.

`device_epoch` runs one epoch on a chosen device and records the devices the model and the loss
saw. Without a GPU the judge picks "meta" (tensors with shapes and devices but no data, where
mixing devices raises as on CUDA); with one, CUDA itself. Every other probe builds the model on
the grading device, so the whole exercise runs there.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from types import ModuleType
from typing import Any, NamedTuple

import torch
from torch.utils.data import DataLoader, Sampler, TensorDataset

from grader.jail.probing import (
    ErrorFact,
    device_of,
    grad_enabled,
    grad_of,
    meta_scalars,
    registered_parameters,
    requires_grad,
    training_flags,
)

_REGISTER_HOOK = torch.Tensor.register_hook  # bound before the submission is imported


class Setup(NamedTuple):
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    loss_fn: torch.nn.Module
    train_loader: DataLoader[Any]
    eval_loader: DataLoader[Any]


class Case(NamedTuple):
    seed: int
    rows: int
    features: int
    classes: int
    hidden: int
    batch_size: int
    eval_batch_size: int
    dropout: float
    optimizer: str  # "sgd" or "adam"
    learning_rate: float
    shuffle: bool


CASES = {
    "blobs": Case(11, 24, 4, 3, 8, 8, 7, 0.0, "sgd", 0.5, False),
    "dropout": Case(11, 24, 4, 3, 8, 8, 7, 0.5, "sgd", 0.5, False),
    "hidden": Case(29, 30, 5, 4, 6, 6, 7, 0.0, "adam", 0.05, True),
    "hidden_dropout": Case(29, 30, 5, 4, 6, 6, 7, 0.3, "adam", 0.05, True),
}


def make_data(case: Case) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy Gaussian blobs, one centre per class: (rows, features) float32, (rows,) int64."""
    gen = torch.Generator().manual_seed(case.seed)
    centres = torch.randn(case.classes, case.features, generator=gen) * 2.0
    targets = torch.arange(case.rows) % case.classes
    features = centres[targets] + torch.randn(case.rows, case.features, generator=gen) * 1.5
    return features, targets


class StepSeededSampler(Sampler[int]):
    """A shuffling sampler whose order for a pass depends only on how many optimizer steps were
    taken before the pass began: passes that take no step (evaluations) change nothing later."""

    def __init__(self, rows: int, seed: int, optimizer: torch.optim.Optimizer) -> None:
        self.rows, self.seed, self.steps = rows, seed, 0
        self.handle = optimizer.register_step_post_hook(self.count)

    def count(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        self.steps += 1

    def __iter__(self) -> Iterator[int]:
        gen = torch.Generator().manual_seed(self.seed * 100_003 + self.steps)
        return iter(torch.randperm(self.rows, generator=gen).tolist())

    def __len__(self) -> int:
        return self.rows


def build(name: str, device: str, learning_rate: float | None = None) -> Setup:
    """Model (on `device`), optimizer, loss and loaders of one case, the same every time."""
    case = CASES[name]
    features, targets = make_data(case)
    torch.manual_seed(case.seed)
    layers: list[torch.nn.Module] = [torch.nn.Linear(case.features, case.hidden), torch.nn.ReLU()]
    if case.dropout > 0:
        layers.append(torch.nn.Dropout(case.dropout))
    layers.append(torch.nn.Linear(case.hidden, case.classes))
    model = torch.nn.Sequential(*layers).to(device)
    lr = case.learning_rate if learning_rate is None else learning_rate
    optimizer: torch.optim.Optimizer = (
        torch.optim.Adam(model.parameters(), lr=lr)
        if case.optimizer == "adam"
        else torch.optim.SGD(model.parameters(), lr=lr)
    )
    data = TensorDataset(features, targets)
    sampler = StepSeededSampler(case.rows, case.seed + 1, optimizer) if case.shuffle else None
    return Setup(
        model,
        optimizer,
        torch.nn.CrossEntropyLoss(),
        DataLoader(data, batch_size=case.batch_size, sampler=sampler),
        DataLoader(data, batch_size=case.eval_batch_size),
    )


class _Token:
    """Lives exactly as long as the graph node that holds it (see Recorder.after_loss)."""


class _HeldBy(torch.autograd.Function):
    """The identity on a loss, whose graph node keeps a token: the node, and so the token, is
    freed once nothing refers to that loss's graph any more."""

    @staticmethod
    def forward(ctx: Any, loss: torch.Tensor, token: _Token) -> torch.Tensor:
        ctx.token = token
        return loss.clone()

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad, None


class Recorder:
    """Hooks that note, as plain data, what the student's loop did to the model."""

    def __init__(self, setup: Setup) -> None:
        self.facts: dict[str, Any] = {
            "training": [],
            "eval": [],
            "grad_enabled": [],
            "output_requires_grad": [],
            "backpropagated": [],
            "backwards": 0,
            "stale_backwards": 0,
            "steps": 0,
            "empty_steps": 0,
            "parameters": 0,
        }
        self.facts["graphs_kept"] = 0
        self.losses: list[weakref.ref[_Token]] = []
        self.handles = [
            setup.model.register_forward_pre_hook(self.before_forward),
            setup.model.register_forward_hook(self.after_forward),
            setup.optimizer.register_step_pre_hook(self.before_step),
            setup.loss_fn.register_forward_hook(self.after_loss),
        ]
        self.parameters = [p for _, p in registered_parameters(setup.model)]
        self.facts["parameters"] = len(self.parameters)
        for p in self.parameters:
            self.handles.append(p.register_hook(self.gradient_arrives(p)))

    def before_forward(self, module: torch.nn.Module, args: Any) -> None:
        flags = training_flags(module)
        self.facts["training"].append(all(flag is True for flag in flags))
        self.facts["eval"].append(all(flag is False for flag in flags))
        self.facts["grad_enabled"].append(grad_enabled())

    def after_forward(self, module: torch.nn.Module, args: Any, output: Any) -> None:
        self.facts["output_requires_grad"].append(requires_grad(output))
        passes = self.facts["backpropagated"]
        passes.append(False)
        if requires_grad(output):
            self.handles.append(_REGISTER_HOOK(output, self.gradient_reaches(len(passes) - 1)))

    def after_loss(self, module: torch.nn.Module, args: Any, output: Any) -> Any:
        """Each loss that has a graph gets a token held by its graph (an identity node): when a
        new loss is computed, the graphs of losses before the previous one should be gone. One
        that lives on is held by the loop (a running `total_loss += loss`, a list of tensors),
        and `graphs_kept` notes the most found alive at once."""
        if not requires_grad(output):
            return None
        alive = sum(1 for ref in self.losses[:-1] if ref() is not None)
        self.facts["graphs_kept"] = max(self.facts["graphs_kept"], alive)
        token = _Token()
        self.losses.append(weakref.ref(token))
        return _HeldBy.apply(output, token)

    def gradient_reaches(self, index: int) -> Any:
        """A hook on one pass's output: a gradient flowed back into it (it was trained on)."""

        def hook(grad: torch.Tensor) -> None:
            self.facts["backpropagated"][index] = True

        return hook

    def gradient_arrives(self, p: torch.Tensor) -> Any:
        def hook(grad: torch.Tensor) -> None:
            self.facts["backwards"] += 1
            old = grad_of(p)
            if old is not None and bool(old.detach().abs().sum() > 0):
                self.facts["stale_backwards"] += 1

        return hook

    def before_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        self.facts["steps"] += 1
        grads = [grad_of(p) for p in self.parameters]
        if all(g is None or not bool(g.detach().abs().sum() > 0) for g in grads):
            self.facts["empty_steps"] += 1

    def close(self) -> dict[str, Any]:
        for handle in self.handles:
            handle.remove()
        return self.facts


def train_report(
    student: ModuleType,
    device: str,
    case: str,
    num_epochs: int,
    learning_rate: float | None = None,
    start_in_eval: bool = False,
) -> dict[str, Any]:
    """train(...) on a fresh set-up: the returned losses, final parameters, and the facts."""
    setup = build(case, device, learning_rate)
    if start_in_eval:
        setup.model.eval()  # as an earlier evaluate() would leave it
    recorder = Recorder(setup)
    torch.manual_seed(0)
    losses = student.train(
        setup.model, setup.optimizer, setup.loss_fn, setup.train_loader, num_epochs, device=device
    )
    facts = recorder.close()
    params = [p.detach().clone() for _, p in registered_parameters(setup.model)]
    return {"losses": losses, "params": params, **facts}


def evaluate_report(student: ModuleType, device: str, case: str, calls: int = 2) -> dict[str, Any]:
    """evaluate(...) `calls` times on a fresh set-up left in training mode: results and facts."""
    setup = build(case, device)
    setup.model.train()
    recorder = Recorder(setup)
    torch.manual_seed(0)
    accuracies = [
        student.evaluate(setup.model, setup.eval_loader, device=device) for _ in range(calls)
    ]
    return {"accuracies": accuracies, **recorder.close()}


def evaluate_then_train(
    student: ModuleType, device: str, case: str, num_epochs: int
) -> dict[str, Any]:
    """evaluate(...), then train(...) on the same model: the facts of the training part."""
    setup = build(case, device)
    student.evaluate(setup.model, setup.eval_loader, device=device)
    recorder = Recorder(setup)
    torch.manual_seed(0)
    losses = student.train(
        setup.model, setup.optimizer, setup.loss_fn, setup.train_loader, num_epochs, device=device
    )
    return {"losses": losses, **recorder.close()}


class DeviceWatch(torch.nn.Module):
    """Stands in for the loss function and notes, as device names, what met where.

    A module, so that `loss_fn.to(device)` works as it does on the real loss. It records the
    devices of the loss's inputs, and (a forward pre-hook) of the model's inputs and parameters.
    """

    def __init__(self, setup: Setup) -> None:
        super().__init__()
        self.real_loss = setup.loss_fn
        self.facts: dict[str, Any] = {"model_inputs": [], "model_parameters": [], "loss_inputs": []}
        self.handle = setup.model.register_forward_pre_hook(self.before_forward)

    def forward(self, output: Any, target: Any) -> Any:
        self.facts["loss_inputs"].append([device_of(output), device_of(target)])
        return self.real_loss(output, target)

    def before_forward(self, module: torch.nn.Module, args: Any) -> None:
        self.facts["model_inputs"].append([device_of(a) for a in args])
        self.facts["model_parameters"].append(
            sorted({device_of(p) for _, p in registered_parameters(module)})
        )

    def close(self) -> dict[str, Any]:
        self.handle.remove()
        return self.facts


def device_epoch(
    student: ModuleType, device: str, case: str, target: str | None = None
) -> dict[str, Any]:
    """train(...) for one epoch with the model on `target` (default: the grading device).

    Reports the devices seen, the error raised off the CPU (if any), where the parameters ended
    and, except on "meta", the returned losses and the final parameters (as CPU tensors).
    """
    target = target or device
    setup = build(case, target)
    watch = DeviceWatch(setup)
    torch.manual_seed(0)
    losses: Any = None
    with ErrorFact(target) as raised, meta_scalars(target):
        losses = student.train(
            setup.model, setup.optimizer, watch, setup.train_loader, 1, device=target
        )
    params = [p for _, p in registered_parameters(setup.model)]
    report = {
        **watch.close(),
        "error": raised.text,
        "param_devices": [device_of(p) for p in params],
    }
    if target != "meta":
        report["losses"] = losses
        report["params"] = [p.detach().cpu().clone() for p in params]
    return report
