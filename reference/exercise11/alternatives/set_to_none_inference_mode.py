"""A correct exercise11 written differently: zero_grad(set_to_none=True) first thing in the
step, a running sum of the batch losses, and evaluation under torch.inference_mode()."""

import torch


def train(model, optimizer, loss_fn, train_loader, num_epochs, device="cpu"):
    epoch_losses = []
    for _ in range(num_epochs):
        model.train()
        running, batches = 0.0, 0
        for features, targets in train_loader:
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(features.to(device)), targets.to(device))
            loss.backward()
            optimizer.step()
            running += float(loss.detach())
            batches += 1
        epoch_losses.append(running / batches)
    return epoch_losses


def evaluate(model, data_loader, device="cpu"):
    model.eval()
    correct = total = 0
    with torch.inference_mode():
        for features, targets in data_loader:
            logits = model(features.to(device))
            correct += (logits.argmax(1) == targets.to(device)).sum().item()
            total += len(targets)
    return correct / total
