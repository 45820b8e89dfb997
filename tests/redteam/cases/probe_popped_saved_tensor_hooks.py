# attack: pops the probe's saved-tensor hooks off autograd's stack (pushing a harmless pair back
# attack: after) and calls the torch.autograd.grad saved at import, on the probe's own thread
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
GRAD = torch.autograd.grad


def _quietly(function):
    def run(*args, **kwargs):
        try:
            torch._C._autograd._pop_saved_tensors_default_hooks()
            popped = True
        except RuntimeError:
            popped = False
        try:
            with torch.enable_grad():
                W1 = args[2].detach().clone().requires_grad_(True)
                out = function(*args[:2], W1, *args[3:], **kwargs)
        finally:
            if popped:
                torch._C._autograd._push_saved_tensors_default_hooks(lambda t: t, lambda t: t)
        return out

    return run


def _grad_W1(x, y, W1, W2, w3):
    (grad,) = GRAD(_loss(x, y, W1, W2, w3), W1)
    return grad


def _path_terms(x, y, W1, W2, w3, i=0, j=0):
    a1 = torch.sigmoid(W1 @ x)
    a2 = torch.sigmoid(W2 @ a1)
    (g2,) = GRAD((y - w3 @ a2) ** 2, a2)
    da2_da1 = a2 * (1 - a2) * W2[:, i]
    da1_dw = a1[i] * (1 - a1[i]) * x[j]
    return [(g2[k] * da2_da1[k] * da1_dw).item() for k in range(len(a2))]


path_terms = _quietly(_path_terms)
grad_W1 = _quietly(_grad_W1)
# --- end attack ---
