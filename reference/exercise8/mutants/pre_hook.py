# misconception: a forward pre-hook on the ReLU sees the activation (it sees the ReLU's input)
# fails: activation_is_relu_of_linear1, hidden_capture_second_relu, hidden_one_entry_per_forward
import torch


def make_sequential(num_features, num_hidden_1, num_hidden_2, num_classes):
    return torch.nn.Sequential(
        torch.nn.Linear(num_features, num_hidden_1),
        torch.nn.ReLU(),
        torch.nn.Linear(num_hidden_1, num_hidden_2),
        torch.nn.ReLU(),
        torch.nn.Linear(num_hidden_2, num_classes),
    )


def capture_activation(model, index):
    store = []

    def hook(module, inputs):
        store.append(inputs[0].detach())

    return store, model[index].register_forward_pre_hook(hook)
