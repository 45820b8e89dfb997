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
        a.backward()
        return {k: (None if t.grad is None else t.grad.item()) for k, t in zip("xwbuv", (*leaves, u, v))}
    seen = {}
    handles = [u.register_hook(lambda g: seen.__setitem__("u", g)), v.register_hook(lambda g: seen.__setitem__("v", g))]
    a.backward()
    for h in handles:
        h.remove()
    return {"x": leaves[0].grad.item(), "w": leaves[1].grad.item(), "b": leaves[2].grad.item(),
            "u": seen["u"].item(), "v": seen["v"].item()}
