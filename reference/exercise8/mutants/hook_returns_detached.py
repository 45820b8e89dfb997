# misconception: a forward hook should hand the output on, so it returns output.detach() (which replaces the output)
# fails: hooked_model_still_trains
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

    def hook(module, inputs, output):
        store.append(output.detach().clone())
        return output.detach()  # student: "pass the output on, without the graph"

    handle = model[index].register_forward_hook(hook)
    return store, handle
