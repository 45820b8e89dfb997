# attack: rename the host (sethostname, /proc/sys/kernel/hostname) and read its real name
# exercise: exercise2
# expect: not_attempted
# host: uts_private
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
import socket

try:
    socket.sethostname("{{MARK}}")
except OSError as exc:
    print("sethostname:", exc.errno)
try:
    with open("/proc/sys/kernel/hostname", "w") as handle:
        handle.write("{{MARK}}")
except OSError as exc:
    print("proc hostname:", exc.errno)
print("armed", socket.gethostname(), flush=True)
# --- end attack ---
