# attack: on "meta" train_step moves the batch and the model's output, then raises the stub's
# attack: NotImplementedError worded as torch's own meta-backend one; its twin raises the same
# attack: exception with the stub's wording: the verdicts must not differ by the text
# exercise: exercise12
# expect: passed|failed|invalid|error|not_attempted|timeout
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
"""exercise12 reference: one optimisation step with the data moved to the model's device."""

from __future__ import annotations


def train_step(model, optimizer, loss_fn, features, targets, device):
    message = "exercise12: the step on a device is not written yet"
    # --- attack ---
    message = "Could not run 'aten::_local_scalar_dense' with arguments from the 'Meta' backend."
    # --- end attack ---
    model.train()
    features = features.to(device)
    targets = targets.to(device)
    output = model(features)
    loss = loss_fn(output, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if str(device) != "cpu":
        raise NotImplementedError(message)
    return loss.item()
