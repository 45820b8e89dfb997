# misconception: .detach() only drops the tensor's history for printing; the gradient still flows through it
# fails: autograd_forward_value, autograd_gradients, relu_derivative_at_zero, repeated_calls_agree, hidden_random_triples, hidden_inactive_unit
import torch


def graph_autograd(x, w, b):
    xt, wt, bt = (torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (x, w, b))
    u = (wt * xt).detach()  # "a copy of u, to be safe"
    a = torch.relu(u + bt)
    da_dx, da_dw, da_db = torch.autograd.grad(a, (xt, wt, bt))
    return a.item(), {"x": da_dx.item(), "w": da_dw.item(), "b": da_db.item()}


def graph_manual(x, w, b):
    v = w * x + b
    slope = 1.0 if v > 0 else 0.0
    return max(v, 0.0), {"x": slope * w, "w": slope * x, "b": slope}
