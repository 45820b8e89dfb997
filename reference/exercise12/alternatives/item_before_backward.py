"""A correct exercise12 written differently: the loss is read with loss.item() right after the
forward pass, before backward() (as the stub's "return the loss computed before the step"
invites), and printed. On a CPU-only grader the device checks run on "meta", where .item()
has no data to read; this file proves that costs nothing there, as on a GPU."""


def train_step(model, optimizer, loss_fn, features, targets, device):
    features, targets = features.to(device), targets.to(device)
    loss = loss_fn(model(features), targets)
    value = loss.item()
    print(f"batch loss: {value:.4f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return value
