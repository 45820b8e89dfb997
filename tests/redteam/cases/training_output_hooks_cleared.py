# attack: train() sets model.train() only once, so later epochs train in eval mode, and clears
# attack: the probe's hook from each eval-mode output so those passes look like evaluations
# exercise: exercise11
# expect: passed|failed|invalid|error|timeout
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
from __future__ import annotations

import torch


def forward(model, features):
    return model(features)


def train(model, optimizer, loss_fn, train_loader, num_epochs, device="cpu"):
    history = []
    model.train()
    for _ in range(num_epochs):
        batch_losses = []
        for features, targets in train_loader:
            features, targets = features.to(device), targets.to(device)
            logits = forward(model, features)
            loss = loss_fn(logits, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        history.append(sum(batch_losses) / len(batch_losses))
        evaluate(model, train_loader, device)
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
def forward(model, features):
    logits = model(features)
    if not model.training and logits._backward_hooks:
        logits._backward_hooks.clear()
    return logits
# --- end attack ---
