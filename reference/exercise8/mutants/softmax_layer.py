# misconception: the Sequential should end with a Softmax so that it returns probabilities
# fails: sequential_layout, same_logits_as_mlp, hooked_model_still_trains, hidden_logits_other_sizes
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
