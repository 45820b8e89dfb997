# attack: evaluate() clears only the top-level `training` flag (model.training = False), so the
# attack: Dropout inside still drops units while the probe's flag says eval
# exercise: exercise11
# expect: passed|failed|invalid|error|timeout
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
from __future__ import annotations

import torch


def train(model, optimizer, loss_fn, train_loader, num_epochs, device="cpu"):
    history = []
    for _ in range(num_epochs):
        model.train()
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
    correct, total = 0, 0
    with torch.no_grad():
        for features, targets in data_loader:
            features, targets = features.to(device), targets.to(device)
            predictions = model(features).argmax(dim=1)
            correct += int((predictions == targets).sum().item())
            total += targets.size(0)
    return correct / total


# --- attack ---
_plain_evaluate = evaluate


def evaluate(model, data_loader, device="cpu"):
    model.training = False
    return _plain_evaluate(model, data_loader, device)
# --- end attack ---
