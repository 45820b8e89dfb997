# attack: path_terms and grad_W1 use autograd on another thread (the probe's saved-tensor hooks are
# attack: thread-local) through torch.autograd.grad/backward saved at import (the probe's counters replace
# attack: the module attributes only during the call)
# exercise: exercise6
# expect: passed|failed|invalid|error
import torch


def _loss(x, y, W1, W2, w3):
    return (y - w3 @ torch.sigmoid(W2 @ torch.sigmoid(W1 @ x))) ** 2


def path_terms(x, y, W1, W2, w3, i=0, j=0):
    W1 = W1.detach().clone().requires_grad_(True)
    a1 = torch.sigmoid(W1 @ x)
    a2 = torch.sigmoid(W2 @ a1)
    a2.retain_grad()
    loss = (y - w3 @ a2) ** 2
    loss.backward()
    da2_da1 = a2 * (1 - a2) * W2[:, i]
    da1_dw = a1[i] * (1 - a1[i]) * x[j]
    return [(a2.grad[k] * da2_da1[k] * da1_dw).item() for k in range(len(a2))]


def grad_W1(x, y, W1, W2, w3):
    W1 = W1.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(_loss(x, y, W1, W2, w3), W1)
    return grad


# --- attack ---
import threading

GRAD = torch.autograd.grad


def _on_a_thread(function, *args):
    box = []
    worker = threading.Thread(target=lambda: box.append(function(*args)))
    worker.start()
    worker.join()
    return box[0]


def _path_terms(x, y, W1, W2, w3, i=0, j=0):
    W1 = W1.detach().clone().requires_grad_(True)
    a1 = torch.sigmoid(W1 @ x)
    a2 = torch.sigmoid(W2 @ a1)
    (g2,) = GRAD((y - w3 @ a2) ** 2, a2)
    da2_da1 = a2 * (1 - a2) * W2[:, i]
    da1_dw = a1[i] * (1 - a1[i]) * x[j]
    return [(g2[k] * da2_da1[k] * da1_dw).item() for k in range(len(a2))]


def _grad_W1(x, y, W1, W2, w3):
    W1 = W1.detach().clone().requires_grad_(True)
    (grad,) = GRAD(_loss(x, y, W1, W2, w3), W1)
    return grad


def path_terms(x, y, W1, W2, w3, i=0, j=0):
    return _on_a_thread(_path_terms, x, y, W1, W2, w3, i, j)


def grad_W1(x, y, W1, W2, w3):
    return _on_a_thread(_grad_W1, x, y, W1, W2, w3)
# --- end attack ---
