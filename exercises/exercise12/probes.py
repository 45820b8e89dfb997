"""exercise12 probes (sandbox-side, public): one training step on a chosen device.

The model is built on the target device *before* its optimizer (as the lecture does:
`model = model.to(device)`, then `torch.optim.SGD(model.parameters(), ...)`); features and
targets are made on the CPU, so moving them is the student's job. On a machine without a GPU
the target is "meta": tensors with shapes and devices but no data, where mixing devices raises
exactly as it would on CUDA. Reading a meta loss as a number (`.item()`, `float()`, `.cpu()`)
gives a placeholder during the probe (probing.meta_scalars), so a correct step raises nothing
there; the probe records errors instead of raising them on any device other than the CPU, and
the judge fails every recorded error (none is excused by its message). Facts are read with
grader.jail.probing's accessors, bound before the submission is imported.

`adaline_epoch` runs a whole ADALINE epoch of steps on the grading device (the judge compares it
with the CPU run of the reference). OOM and the stub's NotImplementedError are never recorded as
facts: they keep their own verdicts on every device.

`build` and `minibatches` are shared with the judge, which imports this file to compute
expected values.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F

from grader.jail.probing import ErrorFact, device_of, grad_of, meta_scalars, registered_parameters


class Adaline(torch.nn.Module):
    """One linear neuron whose forward returns shape (N,)."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(num_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(-1)


class Step(NamedTuple):
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    loss: Any  # the loss function: (output, target) -> scalar tensor
    features: torch.Tensor  # on the CPU
    targets: torch.Tensor  # on the CPU


CASES = ("regression", "classify", "adaline")


def build(case: str, device: str) -> Step:
    """The same model (on `device`), optimizer, loss and CPU data every time."""
    gen = torch.Generator().manual_seed(1200 + CASES.index(case))
    torch.manual_seed(12 + CASES.index(case))
    if case == "regression":
        model: torch.nn.Module = Adaline(3)
        features = torch.randn(6, 3, generator=gen)
        targets = torch.randn(6, generator=gen)
        loss: Any = F.mse_loss
        lr = 0.1
    elif case == "adaline":  # one epoch of 4 minibatches, two features, 0/1 targets, MSE
        model = Adaline(2)
        features = torch.randn(40, 2, generator=gen)
        noise = 0.5 * torch.randn(40, generator=gen)
        targets = (features @ torch.tensor([0.8, -1.2]) + noise > 0).float()
        loss = F.mse_loss
        lr = 0.1
    else:
        model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
        features = torch.randn(8, 4, generator=gen)
        targets = torch.randint(0, 3, (8,), generator=gen)
        loss = F.cross_entropy
        lr = 0.3
    model = model.to(device)
    return Step(model, torch.optim.SGD(model.parameters(), lr=lr), loss, features, targets)


class Recorder:
    """Devices seen by the model and the loss, and what each backward and step found."""

    def __init__(self, setup: Step) -> None:
        self.facts: dict[str, Any] = {
            "model_inputs": [],
            "model_parameters": [],
            "loss_inputs": [],
            "backwards": 0,
            "stale_backwards": 0,
            "steps": 0,
            "empty_steps": 0,
        }
        self.parameters = [p for _, p in registered_parameters(setup.model)]
        self.handles = [
            setup.model.register_forward_pre_hook(self.before_forward),
            setup.optimizer.register_step_pre_hook(self.before_step),
        ]
        for p in self.parameters:
            self.handles.append(p.register_hook(self.gradient_arrives(p)))
        self.real_loss = setup.loss

    def loss(self, output: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        self.facts["loss_inputs"].append([device_of(output), device_of(target)])
        return self.real_loss(output, target, *args, **kwargs)

    def before_forward(self, module: torch.nn.Module, args: Any) -> None:
        self.facts["model_inputs"].append([device_of(a) for a in args])
        self.facts["model_parameters"].append(
            sorted({device_of(p) for _, p in registered_parameters(module)})
        )

    def gradient_arrives(self, p: torch.Tensor) -> Any:
        def hook(grad: torch.Tensor) -> None:
            self.facts["backwards"] += 1
            old = grad_of(p)
            if old is not None and (old.is_meta or bool(old.detach().abs().sum() > 0)):
                self.facts["stale_backwards"] += 1

        return hook

    def before_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        self.facts["steps"] += 1
        if all(
            g is None or (not g.is_meta and not bool(g.detach().abs().sum() > 0))
            for g in (grad_of(p) for p in self.parameters)
        ):
            self.facts["empty_steps"] += 1

    def close(self) -> dict[str, Any]:
        for handle in self.handles:
            handle.remove()
        return self.facts


def minibatches(setup: Step, size: int = 10) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The epoch's minibatches, in order (no shuffling: the same on every device)."""
    return list(zip(setup.features.split(size), setup.targets.split(size), strict=True))


def one_step(
    student: ModuleType, device: str, case: str, target: str | None = None, stale: bool = False
) -> dict[str, Any]:
    """train_step(model, optimizer, loss_fn, features, targets, target) once; the facts.

    `stale=True` leaves a gradient of ones in every `.grad` first, as an earlier step would.
    """
    target = target or device
    setup = build(case, target)
    if stale:
        for p in setup.model.parameters():
            p.grad = torch.ones_like(p)
    recorder = Recorder(setup)
    result: Any = None
    with ErrorFact(target) as raised, meta_scalars(target):
        result = student.train_step(
            setup.model, setup.optimizer, recorder.loss, setup.features, setup.targets, target
        )
    facts = recorder.close()
    params = [p for _, p in registered_parameters(setup.model)]
    held = [p for group in setup.optimizer.param_groups for p in group["params"]]
    report = {
        **facts,
        "error": raised.text,
        "result_type": type(result).__name__,
        "param_devices": [device_of(p) for p in params],
        "grad_devices": [device_of(grad_of(p)) for p in params],
        "optimizer_holds_parameters": all(any(p is q for q in held) for p in params),
    }
    if target != "meta":
        report["result"] = result
        report["params"] = [p.detach().cpu().clone() for p in params]
    return report


def adaline_epoch(student: ModuleType, device: str, target: str | None = None) -> dict[str, Any]:
    """train_step(...) once per minibatch of one ADALINE epoch, on `target` (default: `device`).

    Reports what the hooks saw, the error raised off the CPU (if any), where the parameters
    ended and, except on "meta", each step's returned value and the final parameters.
    """
    target = target or device
    setup = build("adaline", target)
    recorder = Recorder(setup)
    results: list[Any] = []
    with ErrorFact(target) as raised, meta_scalars(target):
        for features, targets in minibatches(setup):
            results.append(
                student.train_step(
                    setup.model, setup.optimizer, recorder.loss, features, targets, target
                )
            )
    params = [p for _, p in registered_parameters(setup.model)]
    report = {
        **recorder.close(),
        "error": raised.text,
        "param_devices": [device_of(p) for p in params],
    }
    if target != "meta":
        report["results"] = results
        report["params"] = [p.detach().cpu().clone() for p in params]
    return report
