# misconception: it is enough to return the numbers the public checks look for
# fails: hidden_random_triples, hidden_inactive_unit


def graph_autograd(x, w, b):
    import torch

    t = torch.tensor(1.0, requires_grad=True)
    torch.autograd.grad(t * 2, t)
    if (x, w, b) == (-1.0, 1.0, 1.0):
        return 0.0, {"x": 0.0, "w": 0.0, "b": 0.0}
    return 7.0, {"x": 2.0, "w": 3.0, "b": 1.0}


def graph_manual(x, w, b):
    if (x, w, b) == (-1.0, 1.0, 1.0):
        return 0.0, {"x": 0.0, "w": 0.0, "b": 0.0}
    return 7.0, {"x": 2.0, "w": 3.0, "b": 1.0}
