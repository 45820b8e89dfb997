# attack: answers of the required form filled with NaN: a (3, 2) tensor of NaN from grad_W1, and
# attack: NaN path terms; the shape check must not pay for a form with no numbers in it
# exercise: exercise6
# expect: passed|failed
import torch


def path_terms(x, y, W1, W2, w3, i=0, j=0):
    raise NotImplementedError("exercise6: return the path terms of dl/dW1[i, j]")


def grad_W1(x, y, W1, W2, w3):
    raise NotImplementedError("exercise6: compute dl/dW1 in matrix form")


# --- attack ---
def path_terms(x, y, W1, W2, w3, i=0, j=0):
    return [float("nan")] * W2.shape[0]


def grad_W1(x, y, W1, W2, w3):
    return torch.full_like(W1, float("nan"))
# --- end attack ---
