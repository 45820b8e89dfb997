# misconception: .backward() and reading .grad is the same as torch.autograd.grad, and tensors can be reused between calls
# fails: autograd_uses_grad, repeated_calls_agree
import torch

_leaves = {}


def graph_autograd(x, w, b):
    key = (x, w, b)
    if key not in _leaves:
        _leaves[key] = [torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in key]
    xt, wt, bt = _leaves[key]
    a = torch.relu(wt * xt + bt)
    a.backward()
    return a.item(), {"x": xt.grad.item(), "w": wt.grad.item(), "b": bt.grad.item()}


def graph_manual(x, w, b):
    v = w * x + b
    slope = 1.0 if v > 0 else 0.0
    return max(v, 0.0), {"x": slope * w, "w": slope * x, "b": slope}
