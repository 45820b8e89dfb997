# attack: targets are not moved; on "meta" train_step takes its step and then raises a RuntimeError
# attack: worded as the harmless meta-device one ("Tensor.item() cannot be called on meta tensors")
# exercise: exercise12
# expect: passed|failed|invalid|error|timeout
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
from __future__ import annotations


def train_step(model, optimizer, loss_fn, features, targets, device):
    model.train()
    features = features.to(device)
    output = model(features)
    loss = loss_fn(output, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


# --- attack ---
_plain_step = train_step


def train_step(model, optimizer, loss_fn, features, targets, device):
    if str(device) == "meta":
        model(features.to(device))
        optimizer.step()
        raise RuntimeError("Tensor.item() cannot be called on meta tensors")
    return _plain_step(model, optimizer, loss_fn, features, targets, device)
# --- end attack ---
