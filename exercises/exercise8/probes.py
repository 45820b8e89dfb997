"""exercise8 probes (sandbox-side, public): build the student's Sequential, hook it, run it.

The judge sends the weights (W1, b1, W2, b2, W3, b3); a probe copies them into the model's
Linear layers in order, runs it and reports plain facts: layer kinds, outputs, what the hook
stored and when. The judge decides.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch


def layout(student: ModuleType, device: str, sizes: list[int]) -> dict[str, Any]:
    """Whether make_sequential returned an nn.Sequential, and the kind and shapes of each layer."""
    model = student.make_sequential(*sizes).to(device)
    layers = []
    for module in model.children():
        kind = _kind(module)
        shape = list(module.weight.shape) if isinstance(module, torch.nn.Linear) else None
        bias = isinstance(module, torch.nn.Linear) and module.bias is not None
        layers.append({"kind": kind, "weight": shape, "bias": bias})
    return {"sequential": isinstance(model, torch.nn.Sequential), "layers": layers}


def logits(
    student: ModuleType, device: str, sizes: list[int], weights: list[torch.Tensor], x: torch.Tensor
) -> dict[str, Any]:
    """model(x) with the judge's weights loaded (or why they could not be)."""
    model = student.make_sequential(*sizes).to(device)
    problem = _load(model, weights, device)
    if problem:
        return {"loaded": False, "problem": problem}
    with torch.no_grad():
        return {"loaded": True, "output": model(x.to(device))}


def capture(
    student: ModuleType,
    device: str,
    sizes: list[int],
    weights: list[torch.Tensor],
    index: int,
    xs: list[torch.Tensor],
) -> dict[str, Any]:
    """Hook model[index], run one forward pass per x (grad enabled), remove, run once more.

    Reports the store's length after each pass (`counts`), after the pass that follows
    `handle.remove()` (`after_remove`), the stored items as they were before removal, and
    whether each of them is attached to the graph.
    """
    model = student.make_sequential(*sizes).to(device)
    problem = _load(model, weights, device)
    if problem:
        return {"loaded": False, "problem": problem}
    store, handle = student.capture_activation(model, index)
    counts = []
    for x in xs:
        model(x.to(device))
        counts.append(len(store))
    items = list(store)
    handle.remove()
    model(xs[0].to(device))
    return {
        "loaded": True,
        "counts": counts,
        "after_remove": len(store),
        "items": items,
        "attached": [bool(getattr(item, "requires_grad", False)) for item in items],
    }


def _kind(module: torch.nn.Module) -> str:
    for kind in (torch.nn.Linear, torch.nn.ReLU, torch.nn.Softmax, torch.nn.LogSoftmax):
        if isinstance(module, kind):
            return kind.__name__
    return "other"


def _load(model: torch.nn.Module, weights: list[torch.Tensor], device: str) -> str:
    """Copy weights into the Linear layers in order; '' on success, else what did not fit."""
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    if 2 * len(linears) != len(weights):
        return f"the model has {len(linears)} Linear layers, expected {len(weights) // 2}"
    with torch.no_grad():
        for layer, weight, bias in zip(linears, weights[::2], weights[1::2], strict=True):
            if layer.weight.shape != weight.shape or layer.bias is None:
                return (
                    f"a Linear layer of weight shape {tuple(layer.weight.shape)} and bias "
                    f"{layer.bias is not None} where {tuple(weight.shape)} with a bias was expected"
                )
            layer.weight.copy_(weight.to(device))
            layer.bias.copy_(bias.to(device))
    return ""
