"""exercise8 probes (sandbox-side, public): build the student's Sequential, hook it, run it.

The judge sends the weights (W1, b1, W2, b2, W3, b3); a probe copies them into the model's
Linear layers in order, runs it and reports plain facts: layer kinds, outputs, what the hook
stored and when. The judge decides. The model's layers are read from each module's own
`_modules` / `_parameters` dictionaries and kinds from real types (grader.jail.probing, bound
before the submission is imported), never from methods or attributes the model could override.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch

from grader.jail.probing import (
    children,
    grad_of,
    is_instance,
    module_state,
    requires_grad,
    submodules,
)


def layout(student: ModuleType, device: str, sizes: list[int]) -> dict[str, Any]:
    """Whether make_sequential returned an nn.Sequential, and the kind and shapes of each layer."""
    model = student.make_sequential(*sizes).to(device)
    layers = []
    for module in children(model):
        kind = _kind(module)
        weight, bias = _weight_and_bias(module)
        shape = list(weight.shape) if kind == "Linear" and weight is not None else None
        has_bias = kind == "Linear" and bias is not None
        layers.append({"kind": kind, "weight": shape, "bias": has_bias})
    return {"sequential": is_instance(model, torch.nn.Sequential), "layers": layers}


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
        "attached": [requires_grad(item) for item in items],
    }


def gradients_while_hooked(
    student: ModuleType,
    device: str,
    sizes: list[int],
    weights: list[torch.Tensor],
    x: torch.Tensor,
    upstream: torch.Tensor,
) -> dict[str, Any]:
    """Hook model[1] with capture_activation, run one training step's backward pass through the
    hooked model (sum(model(x) * upstream)), and report each Linear weight's .grad (None where
    no gradient reached it) and the logits: a hook that hands back a detached output cuts the
    graph at the hooked layer."""
    model = student.make_sequential(*sizes).to(device)
    problem = _load(model, weights, device)
    if problem:
        return {"loaded": False, "problem": problem}
    _, handle = student.capture_activation(model, 1)
    output = model(x.to(device))
    (output * upstream.to(device)).sum().backward()
    handle.remove()
    linears = [m for _, m in submodules(model) if _kind(m) == "Linear"]
    return {
        "loaded": True,
        "output": output.detach(),
        "grads": [grad_of(_weight_and_bias(layer)[0]) for layer in linears],
    }


def capture_before_inplace(
    student: ModuleType, device: str, weights: list[torch.Tensor], x: torch.Tensor
) -> dict[str, Any]:
    """Hook the first Linear of the probe's own Linear, ReLU(inplace=True), Linear network
    through the student's capture_activation(model, 0), run one forward pass, and report what
    the store holds once the pass is over: an alias of the Linear's output (detach() without a
    copy) has been overwritten by the in-place ReLU by then."""
    w1, b1, w2, b2 = weights
    model = torch.nn.Sequential(
        torch.nn.Linear(w1.shape[1], w1.shape[0]),
        torch.nn.ReLU(inplace=True),
        torch.nn.Linear(w2.shape[1], w2.shape[0]),
    ).to(device)
    with torch.no_grad():
        for layer, weight, bias in ((model[0], w1, b1), (model[2], w2, b2)):
            layer.weight.copy_(weight.to(device))
            layer.bias.copy_(bias.to(device))
    store, handle = student.capture_activation(model, 0)
    model(x.to(device))
    handle.remove()
    return {"items": list(store)}


def _kind(module: torch.nn.Module) -> str:
    """The layer's kind by its real type (a `__class__` property does not count)."""
    for kind in (torch.nn.Linear, torch.nn.ReLU, torch.nn.Softmax, torch.nn.LogSoftmax):
        if is_instance(module, kind):
            return kind.__name__
    return "other"


def _weight_and_bias(module: torch.nn.Module) -> tuple[Any, Any]:
    """A layer's registered weight and bias, from its own `_parameters` dictionary."""
    params = module_state(module).get("_parameters")
    if type(params) is not dict:
        return None, None
    return dict.get(params, "weight"), dict.get(params, "bias")


def _load(model: torch.nn.Module, weights: list[torch.Tensor], device: str) -> str:
    """Copy weights into the Linear layers in order; '' on success, else what did not fit."""
    linears = [m for _, m in submodules(model) if _kind(m) == "Linear"]
    if 2 * len(linears) != len(weights):
        return f"the model has {len(linears)} Linear layers, expected {len(weights) // 2}"
    with torch.no_grad():
        for layer, weight, bias in zip(linears, weights[::2], weights[1::2], strict=True):
            own_weight, own_bias = _weight_and_bias(layer)
            if own_weight is None or own_weight.shape != weight.shape or own_bias is None:
                shape = None if own_weight is None else tuple(own_weight.shape)
                return (
                    f"a Linear layer of weight shape {shape} and bias "
                    f"{own_bias is not None} where {tuple(weight.shape)} with a bias was expected"
                )
            own_weight.copy_(weight.to(device))
            own_bias.copy_(bias.to(device))
    return ""
