"""A correct exercise11 written differently: one helper per epoch, model.train(True) and
model.train(False) instead of train() / eval(), the mean over len(train_loader), and
evaluate decorated with @torch.no_grad()."""

import torch


def run_epoch(model, optimizer, loss_fn, loader, device):
    model.train(True)
    total = 0.0
    for features, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(features.to(device)), targets.to(device))
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


def train(model, optimizer, loss_fn, train_loader, num_epochs, device="cpu"):
    return [run_epoch(model, optimizer, loss_fn, train_loader, device) for _ in range(num_epochs)]


@torch.no_grad()
def evaluate(model, data_loader, device="cpu"):
    model.train(False)
    hits = [(model(x.to(device)).argmax(dim=-1) == y.to(device)).float() for x, y in data_loader]
    return torch.cat(hits).mean().item()
