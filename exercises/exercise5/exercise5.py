"""exercise5: weight sharing and the multivariable chain rule.

Lecture 06, "Graph with Weight Sharing". One weight w1 feeds two units through the same net
input z1, and both units meet again in the output:

    z1 = w1 * x1
    a1 = sigmoid(z1)          (the upper path)
    a2 = tanh(z1)             (the lower path)
    o  = a1 * a2
    l  = (y - o)**2

w1 reaches the loss along two paths, so dl/dw1 is the sum of one chain-rule product per path:

    dl/dw1 = dl/do * do/da1 * da1/dw1  +  dl/do * do/da2 * da2/dw1
             '-------- upper --------'     '-------- lower --------'

with sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)), tanh'(z) = 1 - tanh(z)**2 and dz1/dw1 = x1.
At (x1, w1, y) = (2, 0.5, 1): upper = -0.26547441551, lower = -0.54433233382,
dl/dw1 = -0.80980674934.
"""

from __future__ import annotations

import torch  # noqa: F401 - shared_weight_autograd needs it


def shared_weight_grads(x1: float, w1: float, y: float) -> tuple[float, float, float]:
    """(upper-path term, lower-path term, dl/dw1) by the chain rule, without autograd.

    Use plain Python numbers (the math module has exp and tanh). Each path term is the
    product of the local derivatives along that path; dl/dw1 is their sum.
    """
    raise NotImplementedError("exercise5: multiply along each path, add the paths, by hand")


def shared_weight_autograd(x1: float, w1: float, y: float) -> float:
    """dl/dw1 computed by PyTorch's autograd (float64 tensors), as a Python float."""
    raise NotImplementedError("exercise5: build the graph from float64 tensors, let autograd do it")
