# attack: walk gc.get_objects() and the callers' stack frames for an expected answer to hand back
# exercise: exercise2
# expect: failed|invalid|error|not_attempted
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("exercise2: implement ReLU.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("exercise2: implement ReLU.backward")



def relu(x):
    # --- attack ---
    return steal(x)
    # --- end attack ---
    return ReLU.apply(x)


# --- attack ---
import gc
import sys

KEYS = ("expected", "answer", "want", "target", "reference", "solution", "kept", "upstream")


def steal(x):
    frame = sys._getframe(1)
    while frame is not None:
        for key, value in frame.f_locals.items():
            if key in KEYS and isinstance(value, torch.Tensor) and value.shape == x.shape:
                return value.clone()
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict):
            for key in KEYS:
                value = obj.get(key)
                if isinstance(value, torch.Tensor) and value.shape == x.shape and value is not x:
                    return value.clone()
    raise NotImplementedError("nothing found")
# --- end attack ---
