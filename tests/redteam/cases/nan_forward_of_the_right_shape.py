# attack: a forward pass that returns two (N, num_classes) tensors of NaN (logits, probas): the
# attack: output-shape check must not pay for a form with no numbers in it
# exercise: exercise7
# expect: passed|failed|error|invalid
import torch


class MultilayerPerceptron(torch.nn.Module):
    def __init__(self, num_features, num_hidden_1, num_hidden_2, num_classes):
        super().__init__()
        self.linear_1 = torch.nn.Linear(num_features, num_hidden_1)
        self.linear_2 = torch.nn.Linear(num_hidden_1, num_hidden_2)
        self.linear_out = torch.nn.Linear(num_hidden_2, num_classes)

    def forward(self, x):
        raise NotImplementedError("exercise7: compute (logits, probas)")

    # --- attack ---
    def forward(self, x):
        nan = torch.full((x.shape[0], self.linear_out.out_features), float("nan"))
        return nan, nan.clone()
    # --- end attack ---
