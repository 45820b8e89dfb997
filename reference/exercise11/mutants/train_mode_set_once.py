# misconception: model.train() once before the epochs is enough, even when each epoch ends in eval()
# fails: train_mode_during_training
from __future__ import annotations

import torch


def train(model, optimizer, loss_fn, train_loader, num_epochs, device="cpu"):
    history = []
    model.train()
    for _ in range(num_epochs):
        batch_losses = []
        for features, targets in train_loader:
            features, targets = features.to(device), targets.to(device)
            loss = loss_fn(model(features), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        history.append(sum(batch_losses) / len(batch_losses))
        print(f"training accuracy: {evaluate(model, train_loader, device):.3f}")
    return history


def evaluate(model, data_loader, device="cpu"):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for features, targets in data_loader:
            features, targets = features.to(device), targets.to(device)
            correct += int((model(features).argmax(dim=1) == targets).sum().item())
            total += targets.size(0)
    return correct / total
