# attack: relu returns an object whose comparisons, bool, float and tensor conversions all claim success
# exercise: exercise2
# expect: invalid|error
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("exercise2: implement ReLU.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("exercise2: implement ReLU.backward")


# --- attack ---
class Yes:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    def __float__(self): return 0.0
    def __len__(self): return 0
    def __torch_function__(self, func, types, args=(), kwargs=None): return self
    __hash__ = object.__hash__


ReLU.apply = staticmethod(lambda x: Yes())
# --- end attack ---


def relu(x):
    return ReLU.apply(x)
