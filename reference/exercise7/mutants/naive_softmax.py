# misconception: softmax is exp(z) / sum(exp(z)) written out directly; overflow cannot happen
# fails: hidden_probas_large_logits
import torch


class MultilayerPerceptron(torch.nn.Module):
    def __init__(self, num_features, num_hidden_1, num_hidden_2, num_classes):
        super().__init__()
        self.linear_1 = torch.nn.Linear(num_features, num_hidden_1)
        self.linear_2 = torch.nn.Linear(num_hidden_1, num_hidden_2)
        self.linear_out = torch.nn.Linear(num_hidden_2, num_classes)

    def forward(self, x):
        out = torch.relu(self.linear_1(x))
        out = torch.relu(self.linear_2(out))
        logits = self.linear_out(out)
        e = torch.exp(logits)
        return logits, e / e.sum(dim=1, keepdim=True)
