# misconception: on my laptop everything runs on the CPU, so "cpu" can be written in
# fails: features_moved_to_device, targets_moved_to_device, parameters_end_on_device
from __future__ import annotations


def train_step(model, optimizer, loss_fn, features, targets, device):
    model.to("cpu").train()
    features = features.to("cpu")
    targets = targets.to("cpu")
    output = model(features)
    loss = loss_fn(output, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
