# attack: rebinds grader.jail.serve._load_probes, which ran after the submission was imported, so the
# attack: jail loads the submission's own "probes" that report no autograd by hand and one pass with it
# exercise: exercise5
# expect: passed|failed|invalid|error
import torch


def shared_weight_grads(x1, w1, y):
    up = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    low = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    o = torch.sigmoid(up * x1) * torch.tanh(low * x1)
    upper, lower = torch.autograd.grad((y - o) ** 2, (up, low))
    return upper.item(), lower.item(), upper.item() + lower.item()


def shared_weight_autograd(x1, w1, y):
    return shared_weight_grads(x1, w1, y)[2]


# --- attack ---
import sys
import types

_serve = sys.modules["grader.jail.serve"]


def _load_probes(config):
    module = types.ModuleType("grader_probes")

    def backward_passes(student, device, name, *args):
        getattr(student, name)(*args)
        used = 0 if name == "shared_weight_grads" else 1
        return {"grad": used, "backward": 0, "unseen": 0}

    module.backward_passes = backward_passes
    return module


_serve._load_probes = _load_probes
# --- end attack ---
