"""A correct exercise7 in the object-oriented style of slide 39 done right: nn.ReLU and
nn.Softmax(dim=1) modules created in __init__ and called without arguments; no type hints."""

from torch import nn


class MultilayerPerceptron(nn.Module):
    def __init__(self, num_features, num_hidden_1, num_hidden_2, num_classes):
        super(MultilayerPerceptron, self).__init__()  # noqa: UP008 - as students write it
        self.linear_1 = nn.Linear(num_features, num_hidden_1)
        self.relu_1 = nn.ReLU()
        self.linear_2 = nn.Linear(num_hidden_1, num_hidden_2)
        self.relu_2 = nn.ReLU()
        self.linear_out = nn.Linear(num_hidden_2, num_classes)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        out = self.relu_1(self.linear_1(x))
        out = self.relu_2(self.linear_2(out))
        logits = self.linear_out(out)
        return logits, self.softmax(logits)
