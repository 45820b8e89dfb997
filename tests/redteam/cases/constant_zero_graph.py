# attack: an answer that is right only where the right answer is all zeros: both functions return
# attack: a = 0 and zero gradients for every input, which is right at the kink (v = 0) and where
# attack: the unit is off; those checks must not pay for a function that is zero everywhere
# exercise: exercise1
# expect: passed|failed
def graph_autograd(x, w, b):
    raise NotImplementedError("exercise1: build the graph from tensors, call torch.autograd.grad")


def graph_manual(x, w, b):
    raise NotImplementedError("exercise1: apply the chain rule by hand, without autograd")


# --- attack ---
def graph_autograd(x, w, b):
    return 0.0, {"x": 0.0, "w": 0.0, "b": 0.0}


graph_manual = graph_autograd
# --- end attack ---
