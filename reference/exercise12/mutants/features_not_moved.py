# misconception: model.to(device) is enough; the model moves its inputs itself
# fails: features_moved_to_device, targets_moved_to_device, parameters_end_on_device
from __future__ import annotations


def train_step(model, optimizer, loss_fn, features, targets, device):
    model.train()
    targets = targets.to(device)
    output = model(features)
    loss = loss_fn(output, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
