# misconception: only the features meet the model, so only the features go to the device
# fails: moves_each_batch_to_the_device
from __future__ import annotations

import torch


def train(model, optimizer, loss_fn, train_loader, num_epochs, device="cpu"):
    history = []
    for _ in range(num_epochs):
        model.train()
        batch_losses = []
        for features, targets in train_loader:
            logits = model(features.to(device))
            loss = loss_fn(logits, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        history.append(sum(batch_losses) / len(batch_losses))
    return history


def evaluate(model, data_loader, device="cpu"):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for features, targets in data_loader:
            predictions = model(features.to(device)).argmax(dim=1).cpu()
            correct += int((predictions == targets).sum().item())
            total += targets.size(0)
    return correct / total
