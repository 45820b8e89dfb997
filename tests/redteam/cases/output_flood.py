# attack: gigabytes of output on stdout and stderr (capped at 4 GiB here, in case nothing else stops it)
# exercise: exercise2
# expect: not_attempted|error|timeout|crashed
# host: output_capped
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

chunk = b"{{MARK}}" * (1 << 17)
for count in range((4 << 30) // len(chunk)):
    try:
        os.write(1 + count % 2, chunk)
    except OSError:
        pass
# --- end attack ---
