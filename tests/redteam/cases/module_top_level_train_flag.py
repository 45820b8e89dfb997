# attack: train() sets only the top-level module's `training` flag (model.training = True), which the
# attack: probe read, and leaves the Dropout inside in eval mode
# exercise: exercise11
# expect: passed|failed|invalid|error|timeout
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
from __future__ import annotations

import torch


def train(model, optimizer, loss_fn, train_loader, num_epochs, device="cpu"):
    history = []
    for _ in range(num_epochs):
        batch_losses = []
        for features, targets in train_loader:
            features, targets = features.to(device), targets.to(device)
            logits = model(features)
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
            features, targets = features.to(device), targets.to(device)
            predictions = model(features).argmax(dim=1)
            correct += int((predictions == targets).sum().item())
            total += targets.size(0)
    return correct / total


# --- attack ---
_plain_train = train


def train(model, optimizer, loss_fn, train_loader, num_epochs, device="cpu"):
    model.training = True
    return _plain_train(model, optimizer, loss_fn, train_loader, num_epochs, device)
# --- end attack ---
