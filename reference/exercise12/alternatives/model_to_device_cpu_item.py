"""A correct exercise12 written differently: model = model.to(device) (a no-op when it is
already there), model.zero_grad(), and the value copied to the CPU before .item()."""

import torch


def train_step(model, optimizer, loss_fn, features, targets, device):
    device = torch.device(device)
    model = model.to(device)
    x, y = features.to(device), targets.to(device)
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.detach().cpu().item()
