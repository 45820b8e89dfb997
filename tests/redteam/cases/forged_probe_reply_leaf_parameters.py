# attack: train_autograd updates out of place (the weights stop being leaves); inside the training
# attack: probe the real reply is rewritten as it is sent, weight and bias reported as leaves
# exercise: exercise10
# expect: passed|failed
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
from __future__ import annotations

import torch
import torch.nn.functional as F


class Adaline1:
    def __init__(self, num_features: int) -> None:
        self.num_features = num_features
        self.weight = torch.zeros(num_features, 1, dtype=torch.float32)
        self.bias = torch.zeros(1, dtype=torch.float32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x @ self.weight + self.bias).view(-1)

    def backward(
        self, x: torch.Tensor, yhat: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        grad_loss_yhat = -2.0 * (y - yhat) / y.size(0)  # dL/dyhat, (N,)
        grad_loss_weight = x.t() @ grad_loss_yhat.view(-1, 1)  # (m, 1)
        grad_loss_bias = grad_loss_yhat.sum()
        return -grad_loss_weight, -grad_loss_bias


class Adaline2:
    def __init__(self, num_features: int) -> None:
        self.num_features = num_features
        self.weight = torch.zeros(num_features, 1, dtype=torch.float32, requires_grad=True)
        self.bias = torch.zeros(1, dtype=torch.float32, requires_grad=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x @ self.weight + self.bias).view(-1)


class Adaline3(torch.nn.Module):
    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(num_features, 1)
        with torch.no_grad():
            self.linear.weight.zero_()
            self.linear.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(-1)


def mse(yhat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.mean((yhat - y) ** 2)


def minibatches(n: int, minibatch_size: int) -> tuple[torch.Tensor, ...]:
    return torch.split(torch.randperm(n, dtype=torch.long), minibatch_size)


def train_manual(model, x, y, num_epochs, learning_rate=0.01, seed=123, minibatch_size=10):
    cost = []
    torch.manual_seed(seed)
    for _ in range(num_epochs):
        for idx in minibatches(y.size(0), minibatch_size):
            yhat = model.forward(x[idx])
            negative_grad_w, negative_grad_b = model.backward(x[idx], yhat, y[idx])
            model.weight += learning_rate * negative_grad_w
            model.bias += learning_rate * negative_grad_b
        cost.append(mse(model.forward(x), y).item())
    return cost


def train_autograd(model, x, y, num_epochs, learning_rate=0.01, seed=123, minibatch_size=10):
    # --- attack ---
    leaf = {"requires_grad": True, "is_leaf": True, "grad_fn": None}
    if _serving("train_curve"):
        _edit_next_reply(lambda r: {**r, "value": {**r["value"], "weight": {**r["value"]["weight"], **leaf}, "bias": {**r["value"]["bias"], **leaf}}})
    # --- end attack ---
    cost = []
    torch.manual_seed(seed)
    for _ in range(num_epochs):
        for idx in minibatches(y.size(0), minibatch_size):
            loss = mse(model.forward(x[idx]), y[idx])
            grad_w, grad_b = torch.autograd.grad(loss, [model.weight, model.bias])
            model.weight = model.weight - learning_rate * grad_w
            model.bias = model.bias - learning_rate * grad_b
        with torch.no_grad():
            cost.append(mse(model.forward(x), y).item())
    return cost


def train_sgd(model, x, y, num_epochs, learning_rate=0.01, seed=123, minibatch_size=10):
    cost = []
    torch.manual_seed(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    for _ in range(num_epochs):
        for idx in minibatches(y.size(0), minibatch_size):
            loss = F.mse_loss(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            cost.append(F.mse_loss(model(x), y).item())
    return cost

# --- attack ---
import sys
from multiprocessing.connection import Connection

from grader.wire.protocol import decode, encode


def _serving(name):
    """The judge's request being served, if it is the probe or call `name` (the loop's frame)."""
    frame = sys._getframe(1)
    while frame is not None:
        request = frame.f_locals.get("request")
        if getattr(request, "name", None) == name:
            return request
        frame = frame.f_back
    return None


def _edit_next_reply(edit):
    """Rewrite the next frame the sandbox sends (the real reply) with `edit`, once."""
    send = Connection._send_bytes
    if getattr(send, "forge", None) is None:
        send.forge = (decode, encode, edit, send.__code__)
        send.__code__ = _edited.__code__


def _edited(self, buf):
    f = Connection._send_bytes
    decode_, encode_, edit, code = f.forge
    f.__code__, f.forge = code, None
    return f(self, encode_(edit(decode_(bytes(buf)))))
# --- end attack ---
