"""A cold `grade exerciseN` against a bare `python -c "import torch"`, side by side (issue 12).

    python benchmarks/cold_start.py                          # every exercise, best of 2
    python benchmarks/cold_start.py --exercises exercise2 --repeat 5
    python benchmarks/cold_start.py --exercises exercise2 --timeline   # where the time goes

For each exercise, in turn and alternately (so a change in the machine's load hits both alike):
a fresh `python -c "import torch"`, then a fresh `grade EXERCISE --file <its reference solution>
--json`: a new judge process, a new zygote, every isolation layer this machine has (the JSON
names them and the script prints any that are missing), public and hidden checks. Each figure
is the best of `--repeat` wall times. The verdicts must be the reference's: every check passed
(a run that is not full marks is reported as such). Target: grade within 1.5x the torch import.
Each line also gives the CPU time (user + system) of the whole tree of each command.

`--timeline` adds, for each exercise, one more run of `grade` with an audit hook and two
wrappers that note, in seconds from the judge's start: the command-line module imported, the
zygote spawned, the judge's first `import torch` begun, the exercise's checks loaded, the first
sandbox forked (the zygote is ready then: it forks only after its preloads), and the report.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5


# `grade ARGS...` (grader.cli.main) with timestamps of its phases written to $TIMELINE
TIMED_GRADE = """
import json, os, sys, time
started = time.monotonic()
marks = {}


def mark(name):
    marks.setdefault(name, round(time.monotonic() - started, 3))


def hook(event, args):
    if event == "import" and args[0] == "torch":
        mark("judge imports torch")
    elif event == "exec" and getattr(args[0], "co_filename", "").endswith("checks.py"):
        mark("checks loaded")


sys.addaudithook(hook)
from multiprocessing import forkserver


def wrap(name, label):  # the module's functions, which the engine and multiprocessing call
    real = getattr(forkserver, name, None)
    if real is None:
        return

    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        mark(label)
        return result

    setattr(forkserver, name, wrapper)


wrap("ensure_running", "zygote spawned")
wrap("connect_to_new_process", "first sandbox forked (zygote ready)")
sys.argv = ["grade", *sys.argv[1:]]
from grader.cli import main
mark("grader.cli imported")


def write_marks():  # atexit: main() ends the process itself (grader.cli.exit_now)
    mark("report")
    cpu = os.times()
    marks["judge CPU (own)"] = round(cpu.user + cpu.system, 2)
    with open(os.environ["TIMELINE"], "w") as handle:
        json.dump(marks, handle)


import atexit
atexit.register(write_marks)
main()
"""


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system, the command and every process it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, env=env
    )
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, done.stdout


def timeline(exercise: str, solution: Path) -> str:
    """One more cold run of `grade`, with its phases' times from the judge's start."""
    marks = ROOT / "benchmarks" / f".timeline-{os.getpid()}.json"
    env = {**os.environ, "TIMELINE": str(marks)}
    args = [exercise, "--file", str(solution), "--json", "--root", str(ROOT)]
    wall, cpu, _ = timed([sys.executable, "-c", TIMED_GRADE, *args], env)
    seen = json.loads(marks.read_text())
    marks.unlink()
    judge_cpu = seen.pop("judge CPU (own)")
    phases = ", ".join(f"{name} {at:.2f}" for name, at in sorted(seen.items(), key=lambda i: i[1]))
    return f"  timeline (s): {phases}; wall {wall:.2f}, CPU {cpu:.2f} (the judge's own {judge_cpu})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--timeline", action="store_true", help="add one timed run's phases")
    args = parser.parse_args()
    ids = args.exercises or sorted(
        (p.name for p in (ROOT / "exercises").iterdir() if (p / "exercise.toml").is_file()),
        key=lambda name: int(name.removeprefix("exercise")),
    )
    grade = shutil.which("grade") or sys.exit("no `grade` on PATH (pip install -e .)")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'exercise':<11} {'import torch':>12} {'grade':>8} {'ratio':>6} "
        f"{'CPU torch':>9} {'CPU grade':>9}  verdicts"
    )
    ratios = []
    for exercise in ids:
        solution = ROOT / "reference" / exercise / "solution.py"
        torch_s, grade_s, verdict = float("inf"), float("inf"), ""
        torch_cpu, grade_cpu = float("inf"), float("inf")
        for _ in range(args.repeat):
            elapsed, cpu, _ = timed([sys.executable, "-c", "import torch"])
            torch_s, torch_cpu = min(torch_s, elapsed), min(torch_cpu, cpu)
            command = [grade, exercise, "--file", str(solution), "--json", "--root", str(ROOT)]
            elapsed, cpu, stdout = timed(command)
            grade_s, grade_cpu = min(grade_s, elapsed), min(grade_cpu, cpu)
            verdict = describe(json.loads(stdout))
        ratios.append(grade_s / torch_s)
        print(
            f"{exercise:<11} {torch_s:>11.2f}s {grade_s:>7.2f}s {ratios[-1]:>6.2f} "
            f"{torch_cpu:>8.2f}s {grade_cpu:>8.2f}s  {verdict}"
        )
        if args.timeline:
            print(timeline(exercise, solution))
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
