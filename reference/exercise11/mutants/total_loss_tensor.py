# misconception: total_loss += loss is fine as long as .item() is taken at the end of the epoch
# fails: no_graph_kept_across_steps
"""exercise11 reference: the lecture's training loop (slide 35) and its evaluation step."""

from __future__ import annotations

import torch


def train(model, optimizer, loss_fn, train_loader, num_epochs, device="cpu"):
    history = []
    for _ in range(num_epochs):
        model.train()
        total_loss = 0.0
        n_batches = 0
        for features, targets in train_loader:
            features, targets = features.to(device), targets.to(device)
            logits = model(features)
            loss = loss_fn(logits, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss
            n_batches += 1
        history.append(total_loss.item() / n_batches)
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
