# attack: targets are not moved; grader.jail.probing.device_of is rebound at import (the probes bound
# attack: it with `from grader.jail.probing import device_of` after the import) to call every tensor "meta"
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
import grader.jail.probing as probing

_real_device_of = probing.device_of


def _device_of(value):
    found = _real_device_of(value)
    return "meta" if found in ("cpu", "meta") else found


probing.device_of = _device_of
# --- end attack ---
