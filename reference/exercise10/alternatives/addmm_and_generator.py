"""A correct exercise10 written differently: addmm, a private Generator, mean-based gradients,
in-place sub_ updates, nn.MSELoss, zero_grad(set_to_none=True) at the end of each step."""

import torch


class Adaline1:
    def __init__(self, num_features):
        self.weight = torch.zeros((num_features, 1))
        self.bias = torch.zeros((1,))

    def forward(self, x):
        return torch.addmm(self.bias, x, self.weight).squeeze(1)

    def backward(self, x, yhat, y):
        residual = (y - yhat).unsqueeze(1)  # (N, 1)
        negative_grad_w = 2.0 * (x * residual).mean(dim=0, keepdim=True).T
        negative_grad_b = 2.0 * residual.mean()
        return negative_grad_w, negative_grad_b


class Adaline2:
    def __init__(self, num_features):
        self.weight = torch.zeros((num_features, 1)).requires_grad_()
        self.bias = torch.zeros((1,)).requires_grad_()

    def forward(self, x):
        return torch.addmm(self.bias, x, self.weight).squeeze(1)


class Adaline3(torch.nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.linear = torch.nn.Linear(num_features, 1)
        torch.nn.init.zeros_(self.linear.weight)
        torch.nn.init.zeros_(self.linear.bias)

    def forward(self, x):
        return self.linear(x).flatten()


def _epochs(n, num_epochs, seed, minibatch_size):
    generator = torch.Generator().manual_seed(seed)
    for _ in range(num_epochs):
        order = torch.randperm(n, generator=generator)
        yield [order[i : i + minibatch_size] for i in range(0, n, minibatch_size)]


def _mse(model, x, y):
    with torch.no_grad():
        return float(((model.forward(x) - y) ** 2).mean())


def train_manual(model, x, y, num_epochs, learning_rate=0.01, seed=123, minibatch_size=10):
    history = []
    for batches in _epochs(len(y), num_epochs, seed, minibatch_size):
        for rows in batches:
            step_w, step_b = model.backward(x[rows], model.forward(x[rows]), y[rows])
            model.weight.add_(learning_rate * step_w)
            model.bias.add_(learning_rate * step_b)
        history.append(_mse(model, x, y))
    return history


def train_autograd(model, x, y, num_epochs, learning_rate=0.01, seed=123, minibatch_size=10):
    history = []
    params = (model.weight, model.bias)
    for batches in _epochs(len(y), num_epochs, seed, minibatch_size):
        for rows in batches:
            loss = ((model.forward(x[rows]) - y[rows]) ** 2).mean()
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads, strict=True):
                    p.sub_(g, alpha=learning_rate)
        history.append(_mse(model, x, y))
    return history


def train_sgd(model, x, y, num_epochs, learning_rate=0.01, seed=123, minibatch_size=10):
    history = []
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    for batches in _epochs(len(y), num_epochs, seed, minibatch_size):
        for rows in batches:
            loss_fn(model(x[rows]), y[rows]).backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        history.append(_mse(model, x, y))
    return history
