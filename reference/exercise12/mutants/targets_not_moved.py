# misconception: only the features need to go to the device; the targets are just labels
# fails: targets_moved_to_device, hidden_integer_targets_moved_to_device
from __future__ import annotations


def train_step(model, optimizer, loss_fn, features, targets, device):
    model.train()
    features = features.to(device)
    output = model(features)
    loss = loss_fn(output, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
