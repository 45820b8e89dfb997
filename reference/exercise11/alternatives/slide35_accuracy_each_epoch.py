"""A correct exercise11 written as slide 35 writes it: model.train() at the start of each epoch,
enumerate(train_loader), and at the end of each epoch model.eval() with torch.no_grad() to
compute (and print) the training accuracy with an extra pass over train_loader."""

import torch


def train(model, optimizer, loss_fn, train_loader, num_epochs, device="cpu"):
    cost = []
    for epoch in range(num_epochs):
        model.train()
        minibatch_costs = []
        for batch_idx, (features, targets) in enumerate(train_loader):  # noqa: B007 (slide 35)
            features = features.to(device)
            targets = targets.to(device)

            ### FORWARD AND BACK PROP
            logits = model(features)
            loss = loss_fn(logits, targets)
            optimizer.zero_grad()

            loss.backward()

            ### UPDATE MODEL PARAMETERS
            optimizer.step()
            minibatch_costs.append(loss.item())

        cost.append(sum(minibatch_costs) / len(minibatch_costs))
        model.eval()
        with torch.no_grad():
            # compute accuracy
            train_acc = evaluate(model, train_loader, device)
            print(f"Epoch: {epoch + 1:03d} | Cost: {cost[-1]:.4f} | Train acc.: {train_acc:.2%}")
    return cost


def evaluate(model, data_loader, device="cpu"):
    model.eval()
    correct_pred, num_examples = 0, 0
    with torch.no_grad():
        for features, targets in data_loader:
            features = features.to(device)
            targets = targets.to(device)
            logits = model(features)
            _, predicted_labels = torch.max(logits, 1)
            num_examples += targets.size(0)
            correct_pred += (predicted_labels == targets).sum()
    return correct_pred.float().item() / num_examples
