# attack: relu returns a stand-in whose backward() does nothing, so grad_output is never touched
# exercise: exercise2
# expect: not_attempted|invalid|error|failed
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
class StandIn:
    def backward(self, *args, **kwargs):
        return None

    dtype = torch.float64


def relu(x):
    return StandIn()
# --- end attack ---
