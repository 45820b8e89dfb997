"""A cold `grade exerciseN` against a bare `python -c "import torch"`, side by side (issue 12).

    python benchmarks/cold_start.py                          # every exercise, best of 2
    python benchmarks/cold_start.py --exercises exercise2 --repeat 5

For each exercise, in turn and alternately (so a change in the machine's load hits both alike):
a fresh `python -c "import torch"`, then a fresh `grade EXERCISE --file <its reference solution>
--json`: a new judge process, a new zygote, every isolation layer this machine has (the JSON
names them and the script prints any that are missing), public and hidden checks. Each figure
is the best of `--repeat` wall times. The verdicts must be the reference's: every check passed
(a run that is not full marks is reported as such). Target: grade within 1.5x the torch import.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5


def timed(command: list[str]) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    ids = args.exercises or sorted(
        (p.name for p in (ROOT / "exercises").iterdir() if (p / "exercise.toml").is_file()),
        key=lambda name: int(name.removeprefix("exercise")),
    )
    grade = shutil.which("grade") or sys.exit("no `grade` on PATH (pip install -e .)")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'exercise':<11} {'import torch':>12} {'grade':>8} {'ratio':>6}  verdicts")
    ratios = []
    for exercise in ids:
        solution = ROOT / "reference" / exercise / "solution.py"
        torch_s, grade_s, verdict = float("inf"), float("inf"), ""
        for _ in range(args.repeat):
            torch_s = min(torch_s, timed([sys.executable, "-c", "import torch"])[0])
            command = [grade, exercise, "--file", str(solution), "--json", "--root", str(ROOT)]
            elapsed, stdout = timed(command)
            grade_s = min(grade_s, elapsed)
            verdict = describe(json.loads(stdout))
        ratios.append(grade_s / torch_s)
        print(f"{exercise:<11} {torch_s:>11.2f}s {grade_s:>7.2f}s {ratios[-1]:>6.2f}  {verdict}")
    worst = max(ratios)
    print(
        f"worst ratio {worst:.2f} (target {TARGET}): "
        + ("within" if worst <= TARGET else "NOT within")
    )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def describe(result: dict) -> str:
    statuses = {check["status"] for check in result["checks"]}
    missing = [name for name, on in result["isolation"]["layers"].items() if not on]
    text = f"{result['score']:g}/{result['max_score']:g} " + (
        "all passed" if statuses == {"passed"} else f"NOT all passed: {sorted(statuses)}"
    )
    return text + (f"; layers off: {', '.join(missing)}" if missing else "; every layer on")


if __name__ == "__main__":
    main()
