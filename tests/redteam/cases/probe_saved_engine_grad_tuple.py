# attack: "grad_tuple" takes one gradient per pass, but only the first pass goes through
# attack: torch.autograd.grad; the other four run on the engine saved at import, unseen by the probe
# exercise: exercise4
# expect: passed|failed|invalid|error
import torch


def _graph(x, w, b):
    leaves = [torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b)]
    u = leaves[1] * leaves[0]
    v = u + leaves[2]
    return leaves, u, v, torch.relu(v)


def intermediate_grads(x, w, b, method):
    leaves, u, v, a = _graph(x, w, b)
    if method == "grad_tuple":
        grads = [torch.autograd.grad(a, t, retain_graph=True)[0] for t in (*leaves, u, v)]
        return {k: g.item() for k, g in zip("xwbuv", grads)}
    if method == "retain_grad":
        u.retain_grad()
        v.retain_grad()
        a.backward()
        return {k: (None if t.grad is None else t.grad.item()) for k, t in zip("xwbuv", (*leaves, u, v))}
    seen = {}
    handles = [u.register_hook(lambda g: seen.__setitem__("u", g)), v.register_hook(lambda g: seen.__setitem__("v", g))]
    a.backward()
    for h in handles:
        h.remove()
    return {"x": leaves[0].grad.item(), "w": leaves[1].grad.item(), "b": leaves[2].grad.item(),
            "u": seen["u"].item(), "v": seen["v"].item()}


# --- attack ---
from torch.autograd.variable import Variable

ENGINE = Variable._execution_engine
_plain = intermediate_grads


def intermediate_grads(x, w, b, method):
    if method != "grad_tuple":
        return _plain(x, w, b, method)
    leaves, u, v, a = _graph(x, w, b)
    targets = (*leaves, u, v)
    grads = [torch.autograd.grad(a, targets[0], retain_graph=True)[0]]
    for t in targets[1:]:
        grads += ENGINE.run_backward((a,), (torch.ones_like(a),), True, False, (t,), False, False)
    return {k: g.item() for k, g in zip("xwbuv", grads)}
# --- end attack ---
