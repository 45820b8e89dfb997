"""A correct exercise 8 with named layers (an OrderedDict) and a hook class."""

from collections import OrderedDict

import torch


def make_sequential(num_features, num_hidden_1, num_hidden_2, num_classes):
    return torch.nn.Sequential(
        OrderedDict(
            [
                ("linear_1", torch.nn.Linear(num_features, num_hidden_1)),
                ("relu_1", torch.nn.ReLU()),
                ("linear_2", torch.nn.Linear(num_hidden_1, num_hidden_2)),
                ("relu_2", torch.nn.ReLU()),
                ("linear_out", torch.nn.Linear(num_hidden_2, num_classes)),
            ]
        )
    )


class Recorder:
    def __init__(self):
        self.outputs = []

    def __call__(self, module, args, output):
        with torch.no_grad():
            self.outputs.append(output.clone())


def capture_activation(model, index):
    recorder = Recorder()
    layer = list(model.children())[index]
    return recorder.outputs, layer.register_forward_hook(recorder)
