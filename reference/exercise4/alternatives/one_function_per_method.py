"""A correct exercise4 written differently: a tensor of leaves, hooks that write into a list
of the tensors' own slots, handles removed in a finally block, and tensors returned as they
are (0-d float64 tensors, not floats)."""

import torch


def intermediate_grads(x, w, b, method):
    leaves = torch.tensor([x, w, b], dtype=torch.float64, requires_grad=True)
    u = leaves[1] * leaves[0]
    v = u + leaves[2]
    a = torch.nn.functional.relu(v)
    if method == "grad_tuple":
        g_leaves, g_u, g_v = torch.autograd.grad(a, [leaves, u, v])
        return dict(zip("xwbuv", [*g_leaves, g_u, g_v], strict=True))
    if method == "retain_grad":
        for t in (u, v):
            t.retain_grad()
        a.backward()
        return dict(zip("xwbuv", [*leaves.grad, u.grad, v.grad], strict=True))
    store = [None, None]
    handles = []
    try:
        for slot, t in enumerate((u, v)):
            handles.append(t.register_hook(lambda g, slot=slot: store.__setitem__(slot, g.clone())))
        torch.autograd.backward(a)
    finally:
        for h in handles:
            h.remove()
    gx, gw, gb = leaves.grad
    return {"x": gx, "w": gw, "b": gb, "u": store[0], "v": store[1]}
