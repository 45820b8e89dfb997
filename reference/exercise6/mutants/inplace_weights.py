# misconception: an intermediate result may reuse an input tensor's storage (w3.mul_), since the first answer is right
# fails: grad_W1_lecture
import torch


def path_terms(x, y, W1, W2, w3, i=0, j=0):
    a1 = torch.sigmoid(W1 @ x)
    a2 = torch.sigmoid(W2 @ a1)
    o = w3 @ a2
    dl_do = -2 * (y - o)
    return [(dl_do * w3[k] * a2[k] * (1 - a2[k]) * W2[k, i] * a1[i] * (1 - a1[i]) * x[j]).item() for k in range(W2.shape[0])]


def grad_W1(x, y, W1, W2, w3):
    # student reuses w3's storage for the error signal ("saves memory")
    a1 = torch.sigmoid(W1 @ x)
    a2 = torch.sigmoid(W2 @ a1)
    o = w3 @ a2
    delta2 = w3.mul_(a2 * (1 - a2)).mul_(-2 * (y - o))
    delta1 = (W2.T @ delta2) * a1 * (1 - a1)
    return torch.outer(delta1, x)
