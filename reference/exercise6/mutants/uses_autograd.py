# misconception: "by hand" is satisfied as long as the numbers are right, so calling backward is fine
# fails: computed_by_hand
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
