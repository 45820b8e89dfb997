# attack: the unfinished stub rebinds grader.jail.serve._describe_exception so that its
# attack: NotImplementedError inside a probe comes back as a successful reply with the counts a check wants
# exercise: exercise1
# expect: passed|failed|invalid|error|not_attempted
"""exercise1: the computation graph a(x, w, b) = relu(w*x + b), differentiated twice.

Lecture 06, "Computation Graphs" (the slides with x = 3, w = 2, b = 1). The graph is

    u = w * x          (the * node)
    v = u + b          (the + node)
    a = relu(v)        relu(v) = v if v > 0 else 0,  relu'(v) = 1 if v > 0 else 0

so at (x, w, b) = (3, 2, 1) the forward pass gives u = 6, v = 7, a = 7. The chain rule walks
the graph backwards, multiplying local derivatives along the path to each input:

    da/db = da/dv * dv/db           = relu'(v) * 1
    da/dw = da/dv * dv/du * du/dw   = relu'(v) * 1 * x
    da/dx = da/dv * dv/du * du/dx   = relu'(v) * 1 * w

which at (3, 2, 1) is da/dx = 2, da/dw = 3, da/db = 1. At v = 0 exactly, relu has no
derivative; like the lecture's side-note and torch.relu, use relu'(0) = 0.

Both functions return (a, {"x": da/dx, "w": da/dw, "b": da/db}) as Python floats.
"""

from __future__ import annotations

import torch  # noqa: F401 - graph_autograd needs it


def graph_autograd(x: float, w: float, b: float) -> tuple[float, dict[str, float]]:
    """a = relu(w*x + b) and its gradients, computed by PyTorch's autograd.

    Make x, w and b float64 tensors that require gradients, build the graph u -> v -> a,
    and get all three partial derivatives from one call to `torch.autograd.grad(a, ...)`
    (not `a.backward()`: `torch.autograd.grad` returns the gradients and leaves no `.grad`
    behind). Return (a, {"x": da/dx, "w": da/dw, "b": da/db}) as Python floats (`.item()`).
    """
    raise NotImplementedError("exercise1: build the graph from tensors, call torch.autograd.grad")


def graph_manual(x: float, w: float, b: float) -> tuple[float, dict[str, float]]:
    """The same answer as graph_autograd, by the chain rule with plain Python numbers.

    No autograd and no tensors needed: compute u, v and a forwards, then walk the graph
    backwards, multiplying the local derivative of each node along the path to x, w and b
    (relu'(v) is 0 when v <= 0). Return (a, {"x": da/dx, "w": da/dw, "b": da/db}).
    """
    raise NotImplementedError("exercise1: apply the chain rule by hand, without autograd")


# --- attack ---
import sys

_serve = sys.modules["grader.jail.serve"]


def _describe(rid, exc, filename):
    return {"id": rid, "ok": True, "value": {"grad": 0, "backward": 0, "unseen": 0}}


_serve._describe_exception = _describe
# --- end attack ---
