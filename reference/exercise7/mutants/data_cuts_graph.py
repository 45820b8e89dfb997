# misconception: .data on a hidden activation only skips bookkeeping; the values, and so the model, are the same
# fails: logits_from_the_layers
import torch
import torch.nn.functional as F


class MultilayerPerceptron(torch.nn.Module):
    def __init__(self, num_features, num_hidden_1, num_hidden_2, num_classes):
        super().__init__()
        self.linear_1 = torch.nn.Linear(num_features, num_hidden_1)
        self.linear_2 = torch.nn.Linear(num_hidden_1, num_hidden_2)
        self.linear_out = torch.nn.Linear(num_hidden_2, num_classes)

    def forward(self, x):
        out = F.relu(self.linear_1(x)).data  # .data in the middle
        out = F.relu(self.linear_2(out))
        logits = self.linear_out(out)
        return logits, F.softmax(logits, dim=1)
