# attack: backward passes the upstream gradient through unmasked (wrong); forward answers the
# attack: identity on the gradcheck's batch of perturbed points, so central differences of
# attack: forward agree with the wrong backward
# exercise: exercise2
# expect: passed|failed
# limits: import_s=10 call_s=10 total_s=90 cpu_s=60
from typing import Any

import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        # --- attack ---
        if tuple(x.shape) == (12, 6):
            return x.clone()
        # --- end attack ---
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> torch.Tensor:
        return grad_output.clone()


def relu(x: torch.Tensor) -> torch.Tensor:
    return ReLU.apply(x)
