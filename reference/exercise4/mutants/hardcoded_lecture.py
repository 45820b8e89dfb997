# misconception: the gradients are the slide's numbers, whatever the inputs
# fails: second_call_not_stale, hidden_random_inputs, hidden_inactive_unit
import torch


def intermediate_grads(x, w, b, method):
    t = torch.tensor(1.0, requires_grad=True)
    handle = (t * 1).register_hook(lambda g: g)
    handle.remove()
    torch.autograd.grad(t * 2, t)
    return {"x": 2.0, "w": 3.0, "b": 1.0, "u": 1.0, "v": 1.0}
