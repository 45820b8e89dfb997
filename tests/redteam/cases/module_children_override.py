# attack: an nn.Sequential with a softmax layer at the end whose children() hides that layer, so the
# attack: layout reads as the lecture's five
# exercise: exercise8
# expect: passed|failed|invalid|error
import torch


def make_sequential(num_features, num_hidden_1, num_hidden_2, num_classes):
    return torch.nn.Sequential(
        torch.nn.Linear(num_features, num_hidden_1),
        torch.nn.ReLU(),
        torch.nn.Linear(num_hidden_1, num_hidden_2),
        torch.nn.ReLU(),
        torch.nn.Linear(num_hidden_2, num_classes),
        torch.nn.Softmax(dim=1),
    )


def capture_activation(model, index):
    store = []
    handle = model[index].register_forward_hook(lambda m, i, o: store.append(o.detach()))
    return store, handle


# --- attack ---
_plain_make = make_sequential


class Trimmed(torch.nn.Sequential):
    def children(self):
        return iter(list(self._modules.values())[:5])


def make_sequential(num_features, num_hidden_1, num_hidden_2, num_classes):
    return Trimmed(*_plain_make(num_features, num_hidden_1, num_hidden_2, num_classes))
# --- end attack ---
