# attack: the model zeroes its registered weights and returns the output layer's bias as the
# attack: logits, which "recomputing the logits from the registered weights" reproduces exactly
# exercise: exercise7
# expect: passed|failed
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
import torch
import torch.nn.functional as F


class MultilayerPerceptron(torch.nn.Module):
    """The plain twin: the ReLUs left out (a wrong answer)."""

    def __init__(self, num_features, num_hidden_1, num_hidden_2, num_classes):
        super().__init__()
        self.linear_1 = torch.nn.Linear(num_features, num_hidden_1)
        self.linear_2 = torch.nn.Linear(num_hidden_1, num_hidden_2)
        self.linear_out = torch.nn.Linear(num_hidden_2, num_classes)

    def forward(self, x):
        logits = self.linear_out(self.linear_2(self.linear_1(x)))
        return logits, F.softmax(logits, dim=1)


# --- attack ---
_Plain = MultilayerPerceptron


class MultilayerPerceptron(_Plain):
    def __init__(self, *sizes):
        super().__init__(*sizes)
        with torch.no_grad():
            for layer in (self.linear_1, self.linear_2, self.linear_out):
                layer.weight.zero_()

    def forward(self, x):
        logits = self.linear_out.bias.expand(x.shape[0], -1).clone()
        return logits, F.softmax(logits, dim=1)
# --- end attack ---
