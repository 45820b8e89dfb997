# misconception: stacking Linear layers is enough; the activations are optional
# fails: logits_from_the_layers, hidden_logits_other_sizes
import torch
import torch.nn.functional as F


class MultilayerPerceptron(torch.nn.Module):
    def __init__(self, num_features, num_hidden_1, num_hidden_2, num_classes):
        super().__init__()
        self.linear_1 = torch.nn.Linear(num_features, num_hidden_1)
        self.linear_2 = torch.nn.Linear(num_hidden_1, num_hidden_2)
        self.linear_out = torch.nn.Linear(num_hidden_2, num_classes)

    def forward(self, x):
        logits = self.linear_out(self.linear_2(self.linear_1(x)))
        return logits, F.softmax(logits, dim=1)
