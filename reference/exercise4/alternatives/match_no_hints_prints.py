"""A correct exercise4 written with a match statement, no type hints, prints, a fresh graph per
call, and hook handles removed right after backward."""

import torch


def intermediate_grads(x, w, b, method):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    u = wt * xt
    v = u + bt
    a = torch.relu(v)
    print("method", method, "a =", a.item())
    match method:
        case "grad_tuple":
            gx, gw, gb, gu, gv = torch.autograd.grad(a, (xt, wt, bt, u, v))
        case "retain_grad":
            u.retain_grad()
            v.retain_grad()
            a.backward()
            gx, gw, gb, gu, gv = xt.grad, wt.grad, bt.grad, u.grad, v.grad
        case "hooks":
            captured = []
            hu = u.register_hook(lambda g: captured.append(("u", g)))
            hv = v.register_hook(lambda g: captured.append(("v", g)))
            a.backward()
            hu.remove()
            hv.remove()
            found = dict(captured)
            gx, gw, gb, gu, gv = xt.grad, wt.grad, bt.grad, found["u"], found["v"]
        case _:
            raise ValueError(method)
    return {"x": gx.item(), "w": gw.item(), "b": gb.item(), "u": gu.item(), "v": gv.item()}
