# attack: every method returns five zero gradients for every input: right where the unit is off
# attack: (the hidden check's point, and the point of the "no stale state" check's second call),
# attack: so those checks must not pay for a function that is zero everywhere
# exercise: exercise4
# expect: passed|failed
METHODS = ("grad_tuple", "retain_grad", "hooks")


def intermediate_grads(x, w, b, method):
    raise NotImplementedError("exercise4: implement intermediate_grads for all three methods")


# --- attack ---
def intermediate_grads(x, w, b, method):
    return {key: 0.0 for key in "xwbuv"}
# --- end attack ---
