"""exercise4: gradients of intermediate variables, three ways.

Lecture 06, "Gradients of intermediate variables (usually not required in practice outside
research)" and its notebook grad-intermediate-var. The graph is exercise1's:

    u = w * x,    v = u + b,    a = relu(v)

x, w and b are leaves (tensors you create with requires_grad=True); u and v are intermediate,
non-leaf tensors. After `a.backward()`, PyTorch fills `.grad` of the leaves only: to save
memory it does not keep the gradients of intermediate tensors. There are three ways to get
da/du and da/dv anyway:

    "grad_tuple"   torch.autograd.grad(a, (x, w, b, u, v)): one backward pass returns all five;
    "retain_grad"  call u.retain_grad() and v.retain_grad() before a.backward(), then read .grad;
    "hooks"        u.register_hook(fn) calls fn with da/du during the backward pass; store it,
                   and remove the hook afterwards (handle = u.register_hook(...); handle.remove()).

At (x, w, b) = (3, 2, 1): da/dx = 2, da/dw = 3, da/db = 1, da/du = 1, da/dv = 1.
As in exercise1, relu'(0) = 0.
"""

from __future__ import annotations

import torch  # noqa: F401 - you will need it

METHODS = ("grad_tuple", "retain_grad", "hooks")


def intermediate_grads(x: float, w: float, b: float, method: str) -> dict[str, float]:
    """{"x": da/dx, "w": da/dw, "b": da/db, "u": da/du, "v": da/dv}, computed by `method`.

    `method` is one of METHODS. Use float64 tensors, build the graph anew on every call (no
    state may survive from one call to the next), and return Python floats.
    """
    raise NotImplementedError("exercise4: implement intermediate_grads for all three methods")
