# attack: train() never calls model.train(); inside the training probes the real reply is
# attack: rewritten as it is sent, every recorded forward pass set to "in training mode"
# exercise: exercise11
# expect: passed|failed
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
from __future__ import annotations

import torch


def train(model, optimizer, loss_fn, train_loader, num_epochs, device="cpu"):
    # --- attack ---
    if _serving("train_report") or _serving("evaluate_then_train"):
        _edit_next_reply(lambda r: {**r, "value": {**r["value"], "training": [True] * len(r["value"]["training"])}})
    # --- end attack ---
    history = []
    for _ in range(num_epochs):
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
    with torch.no_grad():
        for features, targets in data_loader:
            features, targets = features.to(device), targets.to(device)
            predictions = model(features).argmax(dim=1)
            correct += int((predictions == targets).sum().item())
            total += targets.size(0)
    return correct / total

# --- attack ---
import sys
from multiprocessing.connection import Connection

from grader.wire.protocol import decode, encode


def _serving(name):
    """The judge's request being served, if it is the probe or call `name` (the loop's frame)."""
    frame = sys._getframe(1)
    while frame is not None:
        request = frame.f_locals.get("request")
        if getattr(request, "name", None) == name:
            return request
        frame = frame.f_back
    return None


def _edit_next_reply(edit):
    """Rewrite the next frame the sandbox sends (the real reply) with `edit`, once."""
    send = Connection._send_bytes
    if getattr(send, "forge", None) is None:
        send.forge = (decode, encode, edit, send.__code__)
        send.__code__ = _edited.__code__


def _edited(self, buf):
    f = Connection._send_bytes
    decode_, encode_, edit, code = f.forge
    f.__code__, f.forge = code, None
    return f(self, encode_(edit(decode_(bytes(buf)))))
# --- end attack ---
