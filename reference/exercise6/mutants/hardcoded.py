# misconception: the lecture's numbers are the answer, whatever the network or the weight asked for
# fails: path_terms_other_weight, hidden_grad_W1_other_shape, hidden_path_terms_other_shape
import torch


def path_terms(x, y, W1, W2, w3, i=0, j=0):
    return [-0.029835864954900725, 0.005156277826978182]


def grad_W1(x, y, W1, W2, w3):
    return torch.tensor(
        [
            [-0.024679587127922537, -0.04935917425584507],
            [0.04441068703098575, 0.0888213740619715],
            [-0.02991615278792846, -0.05983230557585692],
        ],
        dtype=torch.float64,
    )
