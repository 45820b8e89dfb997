"""exercise12 probes (sandbox-side, public): one training step on a chosen device.

The model is built on the target device *before* its optimizer (as the lecture does:
`model = model.to(device)`, then `torch.optim.SGD(model.parameters(), ...)`); features and
targets are made on the CPU, so moving them is the student's job. On a machine without a GPU
the target is "meta": tensors with shapes and devices but no data, where mixing devices raises
exactly as it would on CUDA. A correct step on "meta" ends in an error too, when the loss is
read as a number (`.item()` has no data to read); the probe records errors instead of raising
them on any device other than the CPU, and the judge decides which ones are acceptable.

`build` is shared with the judge, which imports this file to compute expected values.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F


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


def build(case: str, device: str) -> Step:
    """The same model (on `device`), optimizer, loss and CPU data every time."""
    gen = torch.Generator().manual_seed(1200 if case == "regression" else 1201)
    torch.manual_seed(12 if case == "regression" else 13)
    if case == "regression":
        model: torch.nn.Module = Adaline(3)
        features = torch.randn(6, 3, generator=gen)
        targets = torch.randn(6, generator=gen)
        loss: Any = F.mse_loss
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
        self.facts: dict[str, Any] = {"model_inputs": [], "loss_inputs": [], "backwards": 0,
                                      "stale_backwards": 0, "steps": 0, "empty_steps": 0}
        self.parameters = list(setup.model.parameters())
        self.handles = [setup.model.register_forward_pre_hook(self.before_forward),
                        setup.optimizer.register_step_pre_hook(self.before_step)]
        for p in self.parameters:
            self.handles.append(p.register_hook(self.gradient_arrives(p)))
        self.real_loss = setup.loss

    def loss(self, output: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        self.facts["loss_inputs"].append([device_of(output), device_of(target)])
        return self.real_loss(output, target, *args, **kwargs)

    def before_forward(self, module: torch.nn.Module, args: Any) -> None:
        self.facts["model_inputs"].append([device_of(a) for a in args])

    def gradient_arrives(self, p: torch.Tensor) -> Any:
        def hook(grad: torch.Tensor) -> None:
            self.facts["backwards"] += 1
            if p.grad is not None and (p.grad.is_meta or bool(p.grad.detach().abs().sum() > 0)):
                self.facts["stale_backwards"] += 1
        return hook

    def before_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        self.facts["steps"] += 1
        if all(g is None or (not g.is_meta and not bool(g.detach().abs().sum() > 0))
               for g in (p.grad for p in self.parameters)):
            self.facts["empty_steps"] += 1

    def close(self) -> dict[str, Any]:
        for handle in self.handles:
            handle.remove()
        return self.facts


def device_of(value: Any) -> str:
    return value.device.type if isinstance(value, torch.Tensor) else type(value).__name__


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
    error = None
    try:
        result = student.train_step(setup.model, setup.optimizer, recorder.loss,
                                    setup.features, setup.targets, target)
    except Exception as exc:
        if target == "cpu" or (isinstance(exc, NotImplementedError) and "meta" not in str(exc)):
            raise
        error = f"{type(exc).__name__}: {exc}"[:300]
    facts = recorder.close()
    params = list(setup.model.parameters())
    held = [p for group in setup.optimizer.param_groups for p in group["params"]]
    report = {
        **facts,
        "error": error,
        "result_type": type(result).__name__,
        "param_devices": [device_of(p) for p in params],
        "grad_devices": [device_of(p.grad) for p in params],
        "optimizer_holds_parameters": all(any(p is q for q in held) for p in params),
    }
    if target != "meta":
        report["result"] = result
        report["params"] = [p.detach().cpu().clone() for p in params]
    return report
