# misconception: an nn.Softmax() module takes dim when it is called, like F.softmax (slide 39)
# fails: output_shapes, logits_from_the_layers, probas_are_softmax_over_classes, batch_equals_single_rows, hidden_logits_other_sizes, hidden_probas_large_logits
import torch


class MultilayerPerceptron(torch.nn.Module):
    def __init__(self, num_features, num_hidden_1, num_hidden_2, num_classes):
        super().__init__()
        self.linear_1 = torch.nn.Linear(num_features, num_hidden_1)
        self.relu1 = torch.nn.ReLU()
        self.linear_2 = torch.nn.Linear(num_hidden_1, num_hidden_2)
        self.relu2 = torch.nn.ReLU()
        self.linear_out = torch.nn.Linear(num_hidden_2, num_classes)
        self.softmax = torch.nn.Softmax()

    def forward(self, x):
        out = self.relu1(self.linear_1(x))
        out = self.relu2(self.linear_2(out))
        logits = self.linear_out(out)
        probas = self.softmax(logits, dim=1)
        return logits, probas
