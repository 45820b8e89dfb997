# attack: copy another student's submission (a correct one) from the submissions folder
# exercise: exercise2
# expect: not_attempted
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
import glob

for path in sorted(glob.glob("{{CANARY}}/*/exercise2.py")) + ["{{CANARY}}/alice/exercise2.py"]:
    try:
        with open(path) as handle:
            exec(handle.read())
        break
    except OSError:
        continue
# --- end attack ---
