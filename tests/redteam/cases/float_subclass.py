# attack: float subclasses whose comparisons, subtraction and abs() all say "equal" (exercise5);
# attack: unarmed, the same file returns plain floats of the same values
# exercise: exercise5
# expect: failed|passed
import torch  # noqa: F401 - shared_weight_autograd needs it

Same = float


def shared_weight_grads(x1: float, w1: float, y: float) -> tuple[float, float, float]:
    return (Same(0.0), Same(0.0), Same(0.0))


def shared_weight_autograd(x1: float, w1: float, y: float) -> float:
    return Same(1.0)


# --- attack ---
class Same(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return False
    def __ge__(self, other): return True
    def __sub__(self, other): return Same(0.0)
    def __rsub__(self, other): return Same(0.0)
    def __abs__(self): return Same(0.0)
    def __float__(self): return -0.80980674934
    def __repr__(self): return "-0.80980674934"
    __hash__ = float.__hash__
# --- end attack ---
