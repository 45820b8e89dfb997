"""A correct exercise12 written differently: non-blocking copies, zero_grad(set_to_none=True)
first, and float(loss) for the value."""


def train_step(model, optimizer, loss_fn, features, targets, device):
    optimizer.zero_grad(set_to_none=True)
    predictions = model(features.to(device, non_blocking=True))
    loss = loss_fn(predictions, targets.to(device, non_blocking=True))
    loss.backward()
    optimizer.step()
    return float(loss)
