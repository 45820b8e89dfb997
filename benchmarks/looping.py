"""What a submission that never returns costs a batch's judge, under each timeout rule (issue 13).

    python benchmarks/looping.py                 # exercise2: every function loops forever
    python benchmarks/looping.py --exercise exercise5 --file submissions/mallory/exercise5.py

One warm judge (`grader.staff.jobs.Judge`) grades the reference, then the looping submission
the way a batch does: a first run and, since it timed out, its confirmation. "old" is the rule
before issue 13 (every check runs with its call limit until the exercise's budget is spent,
in both runs); "new" is the batch's rule (the first run stops at its first timeout, the
confirmation at its second). Printed: wall seconds of both runs together, how many checks hit
a call limit, the recorded score. Start-up (a worker's torch import and zygote) is not counted.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from grader.staff.jobs import FIRST_RUN_TIMEOUTS, Job, Judge, Settings, timed_out

ROOT = Path(__file__).resolve().parent.parent
LOOPS = '''"""Every function spins forever."""
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        while True:
            pass

    @staticmethod
    def backward(ctx, grad_output):
        while True:
            pass


def relu(x):
    return ReLU.apply(x)
'''


def graded(judge: Judge, job: Job) -> tuple[float, int, float, int]:
    """(wall seconds, runs, recorded score, checks that hit a call limit) for one job."""
    started, runs = time.monotonic(), 0
    while True:
        runs += 1
        result = judge.grade(job).result()
        if runs == 2 or not timed_out(result):
            break
        job = job.again()
    limits = sum("took longer than" in (c.staff_feedback or c.feedback) for c in result.checks)
    return time.monotonic() - started, runs, result.score, limits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exercise", default="exercise2")
    parser.add_argument("--file", type=Path, help="the looping submission (default: exercise2's)")
    args = parser.parse_args()
    looping = args.file.read_bytes() if args.file else LOOPS.encode()
    reference = (ROOT / "reference" / args.exercise / "solution.py").read_bytes()
    print(f"load average {os.getloadavg()[0]:.1f}")
    judge = Judge(Settings(root=str(ROOT)))
    try:
        cases = [
            ("reference", reference, FIRST_RUN_TIMEOUTS),
            ("old", looping, None),
            ("new", looping, FIRST_RUN_TIMEOUTS),
        ]
        for name, data, stop in cases:
            job = Job(name, args.exercise, data, f"{args.exercise}.py", 600.0, "", stop)
            wall, runs, score, limits = graded(judge, job)
            print(
                f"{name:>9}: {wall:6.1f} s, {runs} run(s), {limits} call limits hit, "
                f"score {score:g}"
            )
    finally:
        judge.close()
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
