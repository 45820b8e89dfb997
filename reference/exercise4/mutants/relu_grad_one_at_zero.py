# misconception: torch.clamp(v, min=0) is the same ReLU as torch.relu, also at v = 0
# fails: hidden_inactive_unit
import torch


def intermediate_grads(x, w, b, method):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    u = wt * xt
    v = u + bt
    a = torch.clamp(v, min=0)  # relu
    if method == "grad_tuple":
        g = torch.autograd.grad(a, (xt, wt, bt, u, v))
        return dict(zip("xwbuv", (t.item() for t in g)))
    if method == "retain_grad":
        u.retain_grad()
        v.retain_grad()
        a.backward()
        return {"x": xt.grad.item(), "w": wt.grad.item(), "b": bt.grad.item(), "u": u.grad.item(), "v": v.grad.item()}
    if method == "hooks":
        store = {}
        hu = u.register_hook(lambda g: store.__setitem__("u", g.item()))
        hv = v.register_hook(lambda g: store.__setitem__("v", g.item()))
        a.backward()
        hu.remove()
        hv.remove()
        return {"x": xt.grad.item(), "w": wt.grad.item(), "b": bt.grad.item(), **store}
    raise ValueError(method)
