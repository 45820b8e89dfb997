"""A correct exercise 7 in slide 40's style: an nn.Sequential attribute and nn.Softmax(dim=1)."""

import torch


class MultilayerPerceptron(torch.nn.Module):
    def __init__(self, num_features, num_hidden_1, num_hidden_2, num_classes):
        super().__init__()
        self.my_network = torch.nn.Sequential(
            torch.nn.Linear(num_features, num_hidden_1),
            torch.nn.ReLU(),
            torch.nn.Linear(num_hidden_1, num_hidden_2),
            torch.nn.ReLU(),
            torch.nn.Linear(num_hidden_2, num_classes),
        )
        self.softmax = torch.nn.Softmax(dim=1)

    def forward(self, x):
        logits = self.my_network(x)
        return logits, self.softmax(logits)
