"""The exercise's total time budget (`total_s`) holds while one sandbox stays alive.

A submission that answers every call within `call_s` but spends the budget across calls gets
`timeout` for the checks asked after the budget ran out, never `passed`; a call that would end
within `call_s` but past the budget is stopped at the budget. A tiny course in tmp_path, real
sandboxes.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine, Sandbox
from grader.judge.scoring import Source, run_exercise
from grader.outputs.models import Limits

CHECKS = "\n".join(
    f'''
@check(points=1)
def doubles_{n}(sub):
    """double({n}) is {2 * n}."""
    expect_float(sub.call("double", {n}.0), {2 * n}.0)
'''
    for n in range(5)
)


def course(tmp_path: Path) -> Registry:
    folder = tmp_path / "exercises" / "exercise7"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'id = "exercise7"\ntitle = "doubling"\norder = 7\nfunctions = ["double"]\n'
    )
    (folder / "exercise7.py").write_text("def double(x):\n    raise NotImplementedError\n")
    (folder / "checks.py").write_text(
        "from grader.authoring.check import check\n"
        "from grader.authoring.expect import expect_float\n" + CHECKS
    )
    reference = tmp_path / "reference" / "exercise7"
    reference.mkdir(parents=True)
    (reference / "solution.py").write_text("def double(x):\n    return 2 * x\n")
    return Registry(tmp_path)


@pytest.fixture(scope="module")
def warm(engine: Engine) -> Engine:
    """The engine with its zygote up: the first sandbox waits for torch to load (tens of
    seconds on a busy machine), which would spend the budget before any check ran."""
    with Sandbox(engine, Limits(), "cpu", "warm.py", "warm"):
        pass
    return engine


def slow_double(seconds: float) -> Source:
    text = f"import time\ndef double(x):\n    time.sleep({seconds})\n    return 2 * x\n"
    return Source(text.encode(), "exercise7.py")


def test_calls_that_each_fit_call_s_but_together_exceed_total_s_time_out(
    warm: Engine, tmp_path: Path
) -> None:
    # five 1.5 s answers, each well within call_s; the 5 s budget (which also pays for
    # starting the sandbox) holds three at most
    limits = Limits(import_s=5, call_s=4, total_s=5, cpu_s=30, memory_mb=2048, file_mb=1)
    exercise = course(tmp_path).get("exercise7")
    result = run_exercise(warm, exercise, slow_double(1.5), limits=limits)
    statuses = [c.status for c in result.checks]
    passed = statuses.count("passed")
    assert passed >= 1, [c.feedback for c in result.checks]  # the sandbox served, then ran dry
    assert passed <= 3 and statuses == ["passed"] * passed + ["timeout"] * (5 - passed)
    assert result.score == passed < result.max_score == 5
    assert "time budget (5 s) is used up" in result.checks[-1].feedback


def test_one_call_is_stopped_at_the_budget_not_at_call_s(warm: Engine, tmp_path: Path) -> None:
    limits = Limits(import_s=5, call_s=30, total_s=2.5, cpu_s=60, memory_mb=2048, file_mb=1)
    exercise = course(tmp_path).get("exercise7")
    started = time.monotonic()
    result = run_exercise(warm, exercise, slow_double(8.0), limits=limits)
    elapsed = time.monotonic() - started
    assert {c.status for c in result.checks} == {"timeout"} and result.score == 0
    assert elapsed < 7.0  # the 8 s answer was cut at the 2.5 s budget


def test_a_fast_submission_is_unaffected_by_the_budget(warm: Engine, tmp_path: Path) -> None:
    limits = Limits(import_s=5, call_s=4, total_s=20, cpu_s=30, memory_mb=2048, file_mb=1)
    exercise = course(tmp_path).get("exercise7")
    result = run_exercise(warm, exercise, slow_double(0.05), limits=limits)
    assert result.score == result.max_score == 5
