# attack: "hooks" registers its real hooks by re-implementing Tensor.register_hook by hand
# attack: (_backward_hooks and grad_fn._register_hook_dict), never removed, plus a decoy hook it removes
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
        grads = torch.autograd.grad(a, (*leaves, u, v))
        return {k: g.item() for k, g in zip("xwbuv", grads)}
    if method == "retain_grad":
        u.retain_grad()
        v.retain_grad()
        a.backward()
        return {k: (None if t.grad is None else t.grad.item()) for k, t in zip("xwbuv", (*leaves, u, v))}
    seen = {}
    handles = [u.register_hook(lambda g: seen.__setitem__("u", g)), v.register_hook(lambda g: seen.__setitem__("v", g))]
    a.backward()
    return {"x": leaves[0].grad.item(), "w": leaves[1].grad.item(), "b": leaves[2].grad.item(),
            "u": seen["u"].item(), "v": seen["v"].item()}


# --- attack ---
from collections import OrderedDict

from torch.utils.hooks import RemovableHandle

_plain = intermediate_grads


def _quiet_hook(t, hook):
    if t._backward_hooks is None:
        t._backward_hooks = OrderedDict()
        if t.grad_fn is not None:
            t.grad_fn._register_hook_dict(t)
    handle = RemovableHandle(t._backward_hooks)
    t._backward_hooks[handle.id] = hook
    return handle


def intermediate_grads(x, w, b, method):
    if method != "hooks":
        return _plain(x, w, b, method)
    leaves, u, v, a = _graph(x, w, b)
    seen = {}
    _quiet_hook(u, lambda g: seen.__setitem__("u", g))
    _quiet_hook(v, lambda g: seen.__setitem__("v", g))
    decoy = (leaves[0] * 1).register_hook(lambda g: g)
    decoy.remove()
    a.backward()
    return {"x": leaves[0].grad.item(), "w": leaves[1].grad.item(), "b": leaves[2].grad.item(),
            "u": seen["u"].item(), "v": seen["v"].item()}
# --- end attack ---
