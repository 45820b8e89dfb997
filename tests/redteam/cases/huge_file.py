# attack: fill the disk: one huge file, then as many capped files as will fit (at most 2 GiB here)
# exercise: exercise2
# expect: not_attempted|error|timeout
# host: disk_capped
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
import os

chunk = b"\xff" * (1 << 20)
written = 0
for index in range(2048):
    try:
        with open(f"fill-{index}.bin", "wb") as handle:
            while written < (2 << 30):
                handle.write(chunk)
                handle.flush()
                written += len(chunk)
    except OSError:
        pass
    if written >= (2 << 30):
        break
try:
    with open("sparse.bin", "wb") as handle:
        handle.truncate(100 << 30)
except OSError:
    pass
print("WRITTEN", written, flush=True)
# --- end attack ---
