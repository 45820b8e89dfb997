"""A correct exercise1 with (1,)-shaped tensors, requires_grad_() on torch.as_tensor, F.relu
under an explicit enable_grad(), and the chain rule node by node as a list of local
derivatives."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def graph_autograd(x: float, w: float, b: float) -> tuple[float, dict[str, float]]:
    with torch.enable_grad():
        leaves = {k: torch.as_tensor([v], dtype=torch.float64).requires_grad_() for k, v in
                  zip("xwb", (x, w, b), strict=True)}  # fmt: skip
        a = F.relu(leaves["w"] * leaves["x"] + leaves["b"])
        grads = torch.autograd.grad(a.sum(), list(leaves.values()))
    return a[0].item(), {k: g[0].item() for k, g in zip(leaves, grads, strict=True)}


def graph_manual(x: float, w: float, b: float) -> tuple[float, dict[str, float]]:
    v = w * x + b
    a = v if v > 0 else 0.0
    chain = {"x": [w], "w": [x], "b": []}  # local derivatives below v, per input
    da_dv = 1.0 if v > 0 else 0.0
    grads = {}
    for name, locals_ in chain.items():
        grad = da_dv
        for d in locals_:
            grad *= d
        grads[name] = grad
    return a, grads
