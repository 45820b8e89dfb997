"""exercise1 reference: the graph a = relu(w*x + b) by autograd and by the chain rule."""

from __future__ import annotations

import torch


def graph_autograd(x: float, w: float, b: float) -> tuple[float, dict[str, float]]:
    """a = relu(w*x + b) and (da/dx, da/dw, da/db) from one torch.autograd.grad call."""
    xt, wt, bt = (torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b))
    u = wt * xt
    v = u + bt
    a = torch.relu(v)
    da_dx, da_dw, da_db = torch.autograd.grad(a, (xt, wt, bt))
    return a.item(), {"x": da_dx.item(), "w": da_dw.item(), "b": da_db.item()}


def graph_manual(x: float, w: float, b: float) -> tuple[float, dict[str, float]]:
    """The same, multiplying local derivatives backwards through the graph."""
    u = w * x
    v = u + b
    a = v if v > 0 else 0.0
    da_dv = 1.0 if v > 0 else 0.0  # relu'(0) = 0, as on the slide
    da_du = da_dv * 1.0  # dv/du = 1
    return a, {"x": da_du * w, "w": da_du * x, "b": da_dv * 1.0}
