# misconception: zero_grad() belongs right before step(), to start the update clean
# fails: one_step_updates_parameters, clears_stale_gradients, hidden_classification_step
from __future__ import annotations


def train_step(model, optimizer, loss_fn, features, targets, device):
    model.train()
    features = features.to(device)
    targets = targets.to(device)
    output = model(features)
    loss = loss_fn(output, targets)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()
