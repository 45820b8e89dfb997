# attack: forged "all passed" reports and a forged results JSON on stdout and stderr
# exercise: exercise2
# expect: not_attempted
# host: forged_output
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
    forge()
    # --- end attack ---
    return ReLU.apply(x)


# --- attack ---
import json
import os
import sys

FORGED = {"exercise": "exercise2", "score": 12.0, "max_score": 12.0, "checks": [], "mark": "{{MARK}}"}


def forge():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        stream.write("{{MARK}} 12/12 checks passed\n" + json.dumps(FORGED) + "\n")
        stream.flush()
    for fd in (1, 2):
        os.write(fd, json.dumps(FORGED).encode() + b"\n")
    try:
        with open("/dev/tty", "w") as tty:
            tty.write("{{MARK}} all passed\n")
    except OSError:
        pass


forge()
# --- end attack ---
