"""Scoring's handle on the sandbox (`SandboxedSubmission`) with real sandboxes, kept short.

One warm engine serves a few quick gradings of a tiny course in tmp_path: the call limit
against the remaining budget, an import failure told once for every check, a crashed sandbox
replaced for the next check, the printed output kept across sandboxes and capped, the device
and the layers reported. Each grading takes a fraction of a second once the zygote is up, so
benchmarks/mutation.sh can run this file for every mutant of grader/judge/scoring.py that the
sandbox-free tests/test_scoring_verdicts.py leaves alive.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from grader.judge.registry import Exercise, Registry
from grader.judge.sandbox import Engine, Sandbox
from grader.judge.scoring import Source, run_exercise
from grader.outputs.models import Limits

LIMITS = Limits(import_s=20, call_s=20, total_s=60, cpu_s=30, memory_mb=2048, file_mb=1)
CHECKS = '''
from grader.authoring.check import check, fail
from grader.authoring.expect import expect_float


@check(points=1)
def adds(sub):
    """add(1, 2) is 3."""
    expect_float(sub.call("add", 1.0, 2.0), 3.0)


@check(points=1)
def dies(sub):
    """die() returns 0."""
    expect_float(sub.call("die"), 0.0)


@check(points=1)
def adds_again(sub):
    """add(2, 2) is 4, on the device asked for."""
    if sub.device != "cpu":
        fail(f"graded on {sub.device}")
    expect_float(sub.call("add", 2.0, 2.0), 4.0)
'''


@pytest.fixture(scope="module")
def warm(engine: Engine) -> Engine:
    with Sandbox(engine, LIMITS, "cpu", "warm.py", "warm"):
        pass
    return engine


def course(tmp_path: Path) -> Exercise:
    folder = tmp_path / "exercises" / "exercise7"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'id = "exercise7"\ntitle = "adding"\norder = 7\nfunctions = ["add", "die"]\n'
    )
    (folder / "exercise7.py").write_text("def add(x, y):\n    raise NotImplementedError\n")
    (folder / "checks.py").write_text(CHECKS)
    return Registry(tmp_path).get("exercise7")


def source(text: str) -> Source:
    return Source(text.encode(), "exercise7.py")


def test_a_crashed_sandbox_is_replaced_for_the_next_check(warm: Engine, tmp_path: Path) -> None:
    text = (
        "import os, sys\nprint('A' * 700)\n"
        "def add(x, y):\n    return x + y\n"
        "def die():\n    sys.stdout.flush()\n    os._exit(3)\n"
    )
    result = run_exercise(warm, course(tmp_path), source(text), limits=LIMITS)
    assert [c.status for c in result.checks] == ["passed", "crashed", "passed"]
    assert "the process exited (code 3) during calling die()" in result.checks[1].feedback
    assert result.score == 2 and result.isolation.layers.get("seccomp") is True
    assert result.isolation.engine == warm.mode
    # each sandbox's output, the crashed one's and its replacement's, is kept
    assert result.output.count("A" * 700) == 2 and "truncated" not in result.output


def test_the_output_is_capped_for_the_whole_exercise(warm: Engine, tmp_path: Path) -> None:
    text = (
        "import os, sys\nprint('B' * 700)\n"
        "def add(x, y):\n    return x + y\n"
        "def die():\n    sys.stdout.flush()\n    os._exit(3)\n"
    )
    limits = LIMITS.model_copy(update={"output_kb": 1})
    result = run_exercise(warm, course(tmp_path), source(text), limits=limits)
    assert [c.status for c in result.checks] == ["passed", "crashed", "passed"]
    assert result.output == "B" * 700 + "\n" + "B" * 323 + "\n[... output truncated]"


def test_an_import_failure_is_every_checks_verdict(warm: Engine, tmp_path: Path) -> None:
    text = "raise ValueError('bad import')\ndef add(x, y):\n    return x + y\n"
    started = time.monotonic()
    result = run_exercise(warm, course(tmp_path), source(text), limits=LIMITS)
    assert [c.status for c in result.checks] == ["error"] * 3
    for found in result.checks:
        assert found.feedback.startswith("importing exercise7.py failed: ")
        assert "ValueError: bad import" in found.feedback
    assert time.monotonic() - started < 30


def test_a_call_is_stopped_at_call_s_within_a_larger_budget(warm: Engine, tmp_path: Path) -> None:
    text = "import time\ndef add(x, y):\n    time.sleep(5)\n    return x + y\n"
    text += "def die():\n    return 0\n"
    limits = LIMITS.model_copy(update={"call_s": 1.0})
    started = time.monotonic()
    result = run_exercise(warm, course(tmp_path), source(text), limits=limits)
    assert [c.status for c in result.checks] == ["timeout", "passed", "timeout"]
    assert "calling add() took longer than 1.0 s" in result.checks[0].feedback
    assert time.monotonic() - started < 9  # two 1 s limits, not two 5 s sleeps


def test_the_device_reaches_the_checks(warm: Engine, tmp_path: Path) -> None:
    text = "def add(x, y):\n    return x + y\ndef die():\n    return 0\n"
    result = run_exercise(warm, course(tmp_path), source(text), limits=LIMITS)
    assert [c.status for c in result.checks] == ["passed"] * 3 and result.device == "cpu"
