"""exercise7 probes (sandbox-side, public): build the student's model and report what it holds.

Each probe seeds torch, builds `MultilayerPerceptron(*sizes)` on the device and reduces what
happened to plain data (parameter names and values, outputs). The judge decides.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch

from grader.jail.probing import registered_parameters


def _build(student: ModuleType, device: str, sizes: list[int], seed: int) -> Any:
    """The student's model, made after torch.manual_seed(seed), on `device`."""
    torch.manual_seed(seed)
    return student.MultilayerPerceptron(*sizes).to(device)


def _parameters(model: Any) -> dict[str, torch.Tensor]:
    """Every registered parameter by name, as a plain tensor: read from each module's own
    `_parameters` dictionary, not from `named_parameters()`, which the model may override."""
    return {name: p.detach() for name, p in registered_parameters(model)}


def parameters(student: ModuleType, device: str, sizes: list[int], seed: int) -> dict[str, Any]:
    """Registered parameters of a freshly built model (forward is not called)."""
    return {"parameters": _parameters(_build(student, device, sizes, seed))}


def forward(
    student: ModuleType, device: str, sizes: list[int], seed: int, x: torch.Tensor
) -> dict[str, Any]:
    """Registered parameters and the output of model(x)."""
    model = _build(student, device, sizes, seed)
    with torch.no_grad():
        output = model(x.to(device))
    return {"parameters": _parameters(model), "output": output}


def single_rows(
    student: ModuleType, device: str, sizes: list[int], seed: int, x: torch.Tensor
) -> dict[str, Any]:
    """model(x) on the whole batch, and model(x[i:i+1]) for each row i."""
    model = _build(student, device, sizes, seed)
    x = x.to(device)
    with torch.no_grad():
        batch = model(x)
        rows = [model(x[i : i + 1]) for i in range(x.shape[0])]
    return {"batch": batch, "rows": rows}
