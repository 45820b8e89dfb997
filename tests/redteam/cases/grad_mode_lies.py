# attack: evaluate() builds a graph (no torch.no_grad) while torch.is_grad_enabled and
# attack: Tensor.requires_grad are rebound to say "no graph"
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
    model.eval()
    correct, total = 0, 0
    for features, targets in data_loader:
        features, targets = features.to(device), targets.to(device)
        predictions = model(features).argmax(dim=1)
        correct += int((predictions == targets).sum().item())
        total += targets.size(0)
    return correct / total


# --- attack ---
_plain_evaluate = evaluate


def evaluate(model, data_loader, device="cpu"):
    real_enabled, real_requires = torch.is_grad_enabled, torch.Tensor.__dict__.get("requires_grad")
    torch.is_grad_enabled = lambda: False
    torch.Tensor.requires_grad = property(lambda self: False)
    try:
        return _plain_evaluate(model, data_loader, device)
    finally:
        torch.is_grad_enabled = real_enabled
        if real_requires is None:
            del torch.Tensor.requires_grad
        else:
            torch.Tensor.requires_grad = real_requires
# --- end attack ---
