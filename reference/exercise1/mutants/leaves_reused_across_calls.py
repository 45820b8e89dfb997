# misconception: the input tensors can be made once and refilled for each call; .backward() then adds every call's gradient into the same .grad
# fails: autograd_gradients, autograd_uses_grad, relu_derivative_at_zero, repeated_calls_agree, hidden_random_triples, hidden_inactive_unit
import torch

x_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
w_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
b_t = torch.zeros((), dtype=torch.float64, requires_grad=True)


def graph_autograd(x, w, b):
    with torch.no_grad():
        x_t.fill_(x)
        w_t.fill_(w)
        b_t.fill_(b)
    a = torch.relu(w_t * x_t + b_t)
    a.backward()
    return a.item(), {"x": x_t.grad.item(), "w": w_t.grad.item(), "b": b_t.grad.item()}


def graph_manual(x, w, b):
    v = w * x + b
    slope = 1.0 if v > 0 else 0.0
    return max(v, 0.0), {"x": slope * w, "w": slope * x, "b": slope}
