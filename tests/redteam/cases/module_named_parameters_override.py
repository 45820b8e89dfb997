# attack: layers kept in a plain list (not registered), with named_parameters()/parameters()
# attack: overridden to list the list's tensors as if they were registered
# exercise: exercise7
# expect: passed|failed|invalid|error
import torch
import torch.nn.functional as F


class MultilayerPerceptron(torch.nn.Module):
    def __init__(self, num_features, num_hidden_1, num_hidden_2, num_classes):
        super().__init__()
        self.layers = [
            torch.nn.Linear(num_features, num_hidden_1),
            torch.nn.Linear(num_hidden_1, num_hidden_2),
            torch.nn.Linear(num_hidden_2, num_classes),
        ]

    def forward(self, x):
        out = F.relu(self.layers[0](x))
        out = F.relu(self.layers[1](out))
        logits = self.layers[2](out)
        return logits, F.softmax(logits, dim=1)


# --- attack ---
_Plain = MultilayerPerceptron


class MultilayerPerceptron(_Plain):
    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        for i, layer in enumerate(self.layers):
            name = ("linear_1", "linear_2", "linear_out")[i]
            yield f"{name}.weight", layer.weight
            yield f"{name}.bias", layer.bias

    def parameters(self, recurse=True):
        for _, p in self.named_parameters():
            yield p

    def to(self, *args, **kwargs):
        for layer in self.layers:
            layer.to(*args, **kwargs)
        return self
# --- end attack ---
