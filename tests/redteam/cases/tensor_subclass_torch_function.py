# attack: relu returns a tensor subclass whose __torch_function__ makes every comparison succeed
# exercise: exercise2
# expect: failed|error|invalid
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("exercise2: implement ReLU.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("exercise2: implement ReLU.backward")


def relu(x):
    return ReLU.apply(x)


# --- attack ---
class Rigged(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in ("equal", "allclose", "__eq__", "eq", "isclose", "all", "any"):
            return True
        if name in ("__ne__", "ne"):
            return False
        return super().__torch_function__(func, types, args, kwargs or {})


def relu(x):
    return torch.zeros_like(x).as_subclass(Rigged)
# --- end attack ---
