# misconception: returning the loss tensor is the same as returning its value
# fails: returns_loss_as_python_float
from __future__ import annotations


def train_step(model, optimizer, loss_fn, features, targets, device):
    model.train()
    features = features.to(device)
    targets = targets.to(device)
    output = model(features)
    loss = loss_fn(output, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss
