# attack: "hooks" never removes its hooks; it walks up the stack to the hooks_left probe's frame,
# attack: empties the list of hooked tensors the probe reads afterwards, and registers one decoy
# attack: hook on a throw-away tensor, which it removes
# exercise: exercise4
# expect: passed|failed
import torch


def _graph(x, w, b):
    leaves = [torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b)]
    u = leaves[1] * leaves[0]
    v = u + leaves[2]
    return leaves, u, v, torch.relu(v)


def intermediate_grads(x, w, b, method):
    # --- attack ---
    if method == "hooks" and not _busy:
        _frame = sys._getframe(1)
        while _frame is not None and "hooked" not in _frame.f_locals:
            _frame = _frame.f_back
        if _frame is not None:
            _hooked = _frame.f_locals["hooked"]
            _busy.append(True)
            try:
                _answer = intermediate_grads(x, w, b, method)
            finally:
                _busy.clear()
            _hooked.clear()
            _decoy = torch.zeros((), requires_grad=True) * 1
            _decoy.register_hook(lambda g: g).remove()
            return _answer
    # --- end attack ---
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
import sys

_busy = []
# --- end attack ---
