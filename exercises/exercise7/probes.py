"""exercise7 probes (sandbox-side, public): build the student's model and report what it holds.

Each probe seeds torch, builds `MultilayerPerceptron(*sizes)` on the device and reduces what
happened to plain data (parameter names and values, outputs). The probes that run the model
first copy the judge's weights into it: each registered parameter gets the judge's tensor of its
shape (the layer sizes are all different), so the outputs the judge compares come from weights
the judge chose, not from a parameter list the submission could fake. The judge decides.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch

from grader.jail.probing import grad_of, registered_parameters, requires_grad


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


def _load(model: Any, weights: list[torch.Tensor]) -> tuple[int, int]:
    """Copy the judge's tensor of each registered parameter's shape into it, in place.
    (registered parameters, how many got a tensor): facts, for the judge's feedback only."""
    by_shape = {tuple(w.shape): w for w in weights}
    params = registered_parameters(model)
    loaded = 0
    with torch.no_grad():
        for _, param in params:
            weight = by_shape.get(tuple(param.shape))
            if weight is not None:
                param.copy_(weight.to(device=param.device, dtype=param.dtype))
                loaded += 1
    return len(params), loaded


def forward(
    student: ModuleType,
    device: str,
    sizes: list[int],
    seed: int,
    weights: list[torch.Tensor],
    x: torch.Tensor,
) -> dict[str, Any]:
    """The output of model(x) with the judge's weights loaded."""
    model = _build(student, device, sizes, seed)
    registered, loaded = _load(model, weights)
    with torch.no_grad():
        output = model(x.to(device))
    return {"registered": registered, "loaded": loaded, "output": output}


def single_rows(
    student: ModuleType,
    device: str,
    sizes: list[int],
    seed: int,
    weights: list[torch.Tensor],
    x: torch.Tensor,
) -> dict[str, Any]:
    """With the judge's weights loaded: model(x) on the whole batch, and model(x[i:i+1]) for
    each row i."""
    model = _build(student, device, sizes, seed)
    _load(model, weights)
    x = x.to(device)
    with torch.no_grad():
        batch = model(x)
        rows = [model(x[i : i + 1]) for i in range(x.shape[0])]
    return {"batch": batch, "rows": rows}


def gradients(
    student: ModuleType,
    device: str,
    sizes: list[int],
    seed: int,
    weights: list[torch.Tensor],
    x: torch.Tensor,
    upstream: torch.Tensor,
) -> dict[str, Any]:
    """With the judge's weights loaded, backward of sum(logits * upstream) through the model:
    each registered parameter's shape and .grad (None where no gradient reached it). A logits
    tensor that does not require grad (a graph cut inside forward) gets no backward at all."""
    model = _build(student, device, sizes, seed)
    _load(model, weights)
    output = model(x.to(device))
    logits = output[0] if isinstance(output, (tuple, list)) and output else None
    attached = requires_grad(logits)
    if attached:
        (logits * upstream.to(device)).sum().backward()
    return {
        "attached": attached,
        "grads": [[list(p.shape), grad_of(p)] for _, p in registered_parameters(model)],
    }
