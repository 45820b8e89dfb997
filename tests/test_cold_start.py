"""A cold `grade exerciseN` starts the zygote before the judge imports torch (issue 12).

The zygote's first job is a torch import, and the judge needs torch for the checks: started
first, the zygote imports it while the judge does, instead of after. These tests run the real
command in a fresh interpreter with an audit hook (PEP 578) that records, at the judge's first
`import torch` and when the exercise's checks are executed, whether the zygote was already
running and what it was told to preload, and at its exit which costly lazy modules the judge
imported; benchmarks/cold_start.py measures what it buys.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.judge.registry import Registry
from grader.student.engine import LAZY_PRELOADS, student_engine

ROOT = Path(__file__).resolve().parent.parent

# Runs `grade ARGS...` (grader.cli.main) in this interpreter, recording events to $EVENTS.
HOOKED_GRADE = """
import json, os, sys

events = []


def zygote():
    forkserver = sys.modules.get("multiprocessing.forkserver")
    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    return {"zygote": pid is not None, "preload": list(getattr(server, "_preload_modules", []))}


def hook(event, args):
    if event == "import" and args[0] == "torch" and not any(e["what"] == "torch" for e in events):
        events.append({"what": "torch", **zygote()})
    elif event == "exec" and getattr(args[0], "co_filename", "").endswith(
        os.path.join("exercises", sys.argv[1], "checks.py")
    ):
        events.append({"what": "checks", **zygote()})


sys.addaudithook(hook)
sys.argv = ["grade", *sys.argv[1:]]
from grader.cli import main



def write_events():  # atexit: main() ends the process itself (grader.cli.exit_now)
    costly = ("sympy", "torch.distributed.tensor", "torch.fx.experimental.symbolic_shapes")
    judge = sorted(name for name in costly if name in sys.modules)
    with open(os.environ["EVENTS"], "w") as handle:
        json.dump({"events": events, "judge_imported": judge}, handle)


import atexit
atexit.register(write_events)
main()
"""


def hooked_grade(
    tmp_path: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], list, list[str]]:
    events = tmp_path / "events.json"
    env = {**os.environ, "EVENTS": str(events), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", HOOKED_GRADE, *args, "--root", str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    seen = json.loads(events.read_text())
    return done, seen["events"], seen["judge_imported"]


def test_importing_the_cli_imports_no_torch() -> None:
    code = "import sys, grader.cli; print(sorted(m for m in sys.modules if m.startswith('torch')))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("exercise", ["exercise2", "exercise5"])
def test_the_zygote_starts_before_the_judge_imports_torch(tmp_path: Path, exercise: str) -> None:
    solution = ROOT / "reference" / exercise / "solution.py"
    done, events, judge_imported = hooked_grade(
        tmp_path, exercise, "--file", str(solution), "--json"
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["score"] == result["max_score"] > 0  # the reference's verdicts, all passed
    assert {check["status"] for check in result["checks"]} == {"passed"}
    assert all(result["isolation"]["layers"].values()), result["isolation"]
    torch_import, checks = (
        next(e for e in events if e["what"] == what) for what in ("torch", "checks")
    )
    assert torch_import["zygote"], "the judge imported torch before starting the zygote"
    assert checks["zygote"], "the judge loaded the checks before starting the zygote"
    # the zygote preloads torch, and of the costly lazy modules only those the exercise declares
    declared = set(Registry(ROOT).get(exercise).meta.preload)
    assert "torch" in torch_import["preload"]
    assert set(LAZY_PRELOADS) & set(torch_import["preload"]) == declared
    # one run's zygote is prepared for a few forks (grader.jail.zygote.prepare)
    assert torch_import["preload"][-1] == "grader.jail.prepare_zygote_once"
    # the judge's comparisons and gradchecks need neither sympy nor torch.distributed.tensor
    assert judge_imported == []


def test_a_wrong_path_is_one_line_and_starts_no_zygote(tmp_path: Path) -> None:
    done, events, _ = hooked_grade(tmp_path, "exercise2", "--file", str(tmp_path))
    assert done.returncode == 2
    message = f"error: {tmp_path} is a folder; give a .py file or a .ipynb notebook"
    assert " ".join(done.stderr.split()) == message
    assert events == []  # neither torch nor the checks were loaded


def test_watch_mode_keeps_the_full_zygote_preparation() -> None:
    exercise = Registry(ROOT).get("exercise2")
    assert student_engine("forkserver", exercise).preload[-1] == "grader.jail.prepare_zygote_once"
    watching = student_engine("forkserver", exercise, many_runs=True)
    assert watching.preload[-1] == "grader.jail.prepare_zygote"
    assert "torch" in watching.preload
