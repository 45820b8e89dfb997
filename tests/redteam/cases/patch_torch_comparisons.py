# attack: at import, every torch comparison the judge might use is replaced by one that always agrees
# exercise: exercise2
# expect: not_attempted
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("exercise2: implement ReLU.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("exercise2: implement ReLU.backward")


# --- attack ---
import torch.testing

torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.isclose = lambda a, b, *r, **k: torch.ones_like(a, dtype=torch.bool)
torch.testing.assert_close = lambda *a, **k: None
torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)
torch.Tensor.equal = lambda self, other: True
torch.Tensor.allclose = lambda self, *a, **k: True
# --- end attack ---


def relu(x):
    return ReLU.apply(x)
