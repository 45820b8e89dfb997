# misconception: a graph can be walked backward again, once for the leaves and once more for the hooks
# fails: hooks_method, hooks_removed_afterwards, second_call_not_stale

import torch

METHODS = ("grad_tuple", "retain_grad", "hooks")


def _graph(
    x: float, w: float, b: float
) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor, torch.Tensor]:
    leaves = [torch.tensor(value, dtype=torch.float64, requires_grad=True) for value in (x, w, b)]
    u = leaves[1] * leaves[0]
    v = u + leaves[2]
    return leaves, u, v, torch.relu(v)


def _by_grad_tuple(x: float, w: float, b: float) -> list[torch.Tensor]:
    leaves, u, v, a = _graph(x, w, b)
    return list(torch.autograd.grad(a, (*leaves, u, v)))


def _by_retain_grad(x: float, w: float, b: float) -> list[torch.Tensor]:
    leaves, u, v, a = _graph(x, w, b)
    u.retain_grad()
    v.retain_grad()
    a.backward()
    return [t.grad for t in (*leaves, u, v)]


def _by_hooks(x: float, w: float, b: float) -> list[torch.Tensor]:
    leaves, u, v, a = _graph(x, w, b)
    a.backward(retain_graph=False)  # first the leaves' .grad ...
    seen: dict[str, torch.Tensor] = {}
    handles = [
        u.register_hook(lambda grad: seen.__setitem__("u", grad)),
        v.register_hook(lambda grad: seen.__setitem__("v", grad)),
    ]
    a.backward()  # ... then again for the hooks: the graph is already freed
    for handle in handles:
        handle.remove()
    return [t.grad for t in leaves] + [seen["u"], seen["v"]]


def intermediate_grads(x: float, w: float, b: float, method: str) -> dict[str, float]:
    """{"x", "w", "b", "u", "v"} -> da/d(that), computed by `method`."""
    methods = {"grad_tuple": _by_grad_tuple, "retain_grad": _by_retain_grad, "hooks": _by_hooks}
    if method not in methods:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    grads = methods[method](x, w, b)
    return {key: grad.item() for key, grad in zip("xwbuv", grads, strict=True)}
