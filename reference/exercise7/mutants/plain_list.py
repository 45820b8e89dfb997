# misconception: a Python list of layers is as good as attributes; the module will find them
# fails: registered_parameters, logits_from_the_layers, hidden_parameters_other_sizes, hidden_logits_other_sizes
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
