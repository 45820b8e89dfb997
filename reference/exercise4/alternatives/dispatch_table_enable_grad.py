"""A correct exercise4 with a dispatch table of small functions, each building its own graph
under torch.enable_grad(), F.relu, hooks that store into a dict through a helper, handles
removed in a finally block, and floats returned with float()."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

KEYS = ("x", "w", "b", "u", "v")


def build(x: float, w: float, b: float):
    leaves = [torch.tensor(float(t), dtype=torch.float64).requires_grad_() for t in (x, w, b)]
    u = leaves[0] * leaves[1]
    v = u + leaves[2]
    return leaves, u, v, F.relu(v)


def with_grad_tuple(x: float, w: float, b: float) -> list[torch.Tensor]:
    leaves, u, v, a = build(x, w, b)
    return list(torch.autograd.grad(outputs=a, inputs=[*leaves, u, v]))


def with_retain_grad(x: float, w: float, b: float) -> list[torch.Tensor]:
    leaves, u, v, a = build(x, w, b)
    u.retain_grad()
    v.retain_grad()
    a.sum().backward()
    return [t.grad for t in (*leaves, u, v)]


def store(into: dict[str, torch.Tensor], key: str) -> Callable[[torch.Tensor], None]:
    def hook(grad: torch.Tensor) -> None:
        into[key] = grad.detach().clone()

    return hook


def with_hooks(x: float, w: float, b: float) -> list[torch.Tensor]:
    leaves, u, v, a = build(x, w, b)
    seen: dict[str, torch.Tensor] = {}
    handles = [u.register_hook(store(seen, "u")), v.register_hook(store(seen, "v"))]
    try:
        a.backward()
    finally:
        for handle in handles:
            handle.remove()
    return [*(t.grad for t in leaves), seen["u"], seen["v"]]


METHODS = {"grad_tuple": with_grad_tuple, "retain_grad": with_retain_grad, "hooks": with_hooks}


def intermediate_grads(x: float, w: float, b: float, method: str) -> dict[str, float]:
    with torch.enable_grad():
        grads = METHODS[method](x, w, b)
    return {key: float(grad) for key, grad in zip(KEYS, grads, strict=True)}
