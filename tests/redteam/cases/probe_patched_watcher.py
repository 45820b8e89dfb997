# attack: rebinds grader.jail.probing.watching_backward_passes (looked up by count_backward_passes at
# attack: call time) with a watcher that records nothing for the by-hand function
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
import contextlib
import sys

import grader.jail.probing as probing

_real_watch = probing.watching_backward_passes


@contextlib.contextmanager
def _watch():
    caller = sys._getframe(2).f_locals.get("call")
    cells = dict(zip(caller.__code__.co_freevars, (c.cell_contents for c in caller.__closure__ or ()))) if caller else {}
    if cells.get("name") == "shared_weight_grads":
        yield []
    else:
        with _real_watch() as runs:
            yield runs


probing.watching_backward_passes = _watch
# --- end attack ---
