# misconception: the notebook's own code: its losses stay 0-dim tensors (cost.append(curr_loss)) and Adaline2's out-of-place update leaves non-leaf weights
# fails: losses_are_python_floats, train_autograd_keeps_leaf_parameters
"""The lecture's adaline-with-autograd notebook, adapted only to this exercise's names
(train -> train_manual / train_autograd / train_sgd): graded 5/12 before the curve checks
compared tensor values; now it loses only the type point and the leaf point."""

# ruff: noqa: E501, UP008, UP031, UP039 (the notebook's own style)
import torch
import torch.nn.functional as F
from torch.autograd import grad


class Adaline1():
    def __init__(self, num_features):
        self.num_features = num_features
        self.weight = torch.zeros(num_features, 1, dtype=torch.float)
        self.bias = torch.zeros(1, dtype=torch.float)

    def forward(self, x):
        netinputs = torch.add(torch.mm(x, self.weight), self.bias)
        activations = netinputs
        return activations.view(-1)

    def backward(self, x, yhat, y):
        grad_loss_yhat = y - yhat
        grad_yhat_weight = x
        grad_yhat_bias = 1.
        grad_loss_weight = 2 * -torch.mm(grad_yhat_weight.t(), grad_loss_yhat.view(-1, 1)) / y.size(0)
        grad_loss_bias = 2 * -torch.sum(grad_yhat_bias * grad_loss_yhat) / y.size(0)
        return (-1) * grad_loss_weight, (-1) * grad_loss_bias


def loss_func(yhat, y):
    return torch.mean((yhat - y) ** 2)


def train_manual(model, x, y, num_epochs, learning_rate=0.01, seed=123, minibatch_size=10):
    cost = []
    torch.manual_seed(seed)
    for e in range(num_epochs):
        shuffle_idx = torch.randperm(y.size(0), dtype=torch.long)
        minibatches = torch.split(shuffle_idx, minibatch_size)
        for minibatch_idx in minibatches:
            yhat = model.forward(x[minibatch_idx])
            negative_grad_w, negative_grad_b = model.backward(x[minibatch_idx], yhat, y[minibatch_idx])
            model.weight += learning_rate * negative_grad_w
            model.bias += learning_rate * negative_grad_b
        yhat = model.forward(x)
        curr_loss = loss_func(yhat, y)
        print('Epoch: %03d' % (e + 1), end="")
        print(' | MSE: %.5f' % curr_loss)
        cost.append(curr_loss)
    return cost


class Adaline2():
    def __init__(self, num_features):
        self.num_features = num_features
        self.weight = torch.zeros(num_features, 1, dtype=torch.float, requires_grad=True)
        self.bias = torch.zeros(1, dtype=torch.float, requires_grad=True)

    def forward(self, x):
        netinputs = torch.add(torch.mm(x, self.weight), self.bias)
        activations = netinputs
        return activations.view(-1)


def train_autograd(model, x, y, num_epochs, learning_rate=0.01, seed=123, minibatch_size=10):
    cost = []
    torch.manual_seed(seed)
    for e in range(num_epochs):
        shuffle_idx = torch.randperm(y.size(0), dtype=torch.long)
        minibatches = torch.split(shuffle_idx, minibatch_size)
        for minibatch_idx in minibatches:
            yhat = model.forward(x[minibatch_idx])
            loss = loss_func(yhat, y[minibatch_idx])
            negative_grad_w = grad(loss, model.weight, retain_graph=True)[0] * (-1)
            negative_grad_b = grad(loss, model.bias)[0] * (-1)
            model.weight = model.weight + learning_rate * negative_grad_w
            model.bias = model.bias + learning_rate * negative_grad_b
        with torch.no_grad():
            yhat = model.forward(x)
            curr_loss = loss_func(yhat, y)
            print('Epoch: %03d' % (e + 1), end="")
            print(' | MSE: %.5f' % curr_loss)
            cost.append(curr_loss)
    return cost


class Adaline3(torch.nn.Module):
    def __init__(self, num_features):
        super(Adaline3, self).__init__()
        self.linear = torch.nn.Linear(num_features, 1)
        self.linear.weight.detach().zero_()
        self.linear.bias.detach().zero_()

    def forward(self, x):
        netinputs = self.linear(x)
        activations = netinputs
        return activations.view(-1)


def train_sgd(model, x, y, num_epochs, learning_rate=0.01, seed=123, minibatch_size=10):
    cost = []
    torch.manual_seed(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    for e in range(num_epochs):
        shuffle_idx = torch.randperm(y.size(0), dtype=torch.long)
        minibatches = torch.split(shuffle_idx, minibatch_size)
        for minibatch_idx in minibatches:
            yhat = model.forward(x[minibatch_idx])
            loss = F.mse_loss(yhat, y[minibatch_idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            yhat = model.forward(x)
            curr_loss = loss_func(yhat, y)
            print('Epoch: %03d' % (e + 1), end="")
            print(' | MSE: %.5f' % curr_loss)
            cost.append(curr_loss)
    return cost
