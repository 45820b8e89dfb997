# misconception: a fresh step starts with fresh gradients, so zero_grad() is not needed
# fails: clears_stale_gradients
from __future__ import annotations


def train_step(model, optimizer, loss_fn, features, targets, device):
    model.train()
    features = features.to(device)
    targets = targets.to(device)
    output = model(features)
    loss = loss_fn(output, targets)
    loss.backward()
    optimizer.step()
    return loss.item()
