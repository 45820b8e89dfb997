"""One batch mixes every hostile submission with good ones, on two judge workers.

The good ones must score exactly what they score alone (same verdict for every check), every
hostile one must gain nothing, nothing may be left running, and the batch must end within its
time bound: a hostile job costs at most its own budget, however it misbehaves.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile import LIMITS, Case, Host, grade, leftovers, load_cases

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine
from grader.outputs.models import ExerciseResult
from grader.staff.batch import Job, LimitOverrides, Settings, run_jobs

ROOT = Path(__file__).resolve().parents[2]
GOOD = [
    ("exercise2", ROOT / "reference" / "exercise2" / "solution.py"),
    ("exercise2", ROOT / "reference" / "exercise2" / "mutants" / "ge_mask.py"),
    ("exercise5", ROOT / "reference" / "exercise5" / "solution.py"),
    ("exercise5", ROOT / "reference" / "exercise5" / "mutants" / "sign_flipped.py"),
]
WORKERS = 2
OVERRIDES = LimitOverrides(
    import_s=LIMITS.import_s,
    call_s=LIMITS.call_s,
    total_s=LIMITS.total_s,
    cpu_s=LIMITS.cpu_s,
    memory_mb=LIMITS.memory_mb,
)
# A job ends within its budget plus the kill and clean-up of one sandbox; before the first
# job, each worker imports torch and starts its zygote (a minute at most on a loaded machine).
JOB_BOUND_S = LIMITS.total_s + LIMITS.import_s + 5
WORKER_START_S = 60


def batch_jobs(cases: list[Case], host: Host) -> tuple[list[Job], dict[str, Case], dict[str, str]]:
    """Every hostile case, each followed by a good submission (cycling through GOOD)."""
    jobs, hostile, good = [], {}, {}
    for index, case in enumerate(cases):
        student = f"hostile-{case.name}"
        jobs.append(
            Job(student, case.exercise, case.text(host.fill()).encode(), f"{case.exercise}.py")
        )
        hostile[student] = case
        exercise, path = GOOD[index % len(GOOD)]
        student = f"good-{index:02d}"
        jobs.append(Job(student, exercise, path.read_bytes(), f"{exercise}.py"))
        good[student] = path.read_text()
    return jobs, hostile, good


def test_batch_of_hostile_and_good_submissions(
    host: Host,
    warm_engine: Engine,
    registry: Registry,
    unarmed_score: Callable[[Case], float],
    monkeypatch: pytest.MonkeyPatch,
    short_tmp: Path,
) -> None:
    # Not under host.tmp: the workers' forkserver sockets go in TMPDIR, and xdist's tmp_path is
    # too long for an AF_UNIX address to fit below it.
    runs = short_tmp / "runs"
    runs.mkdir()
    (short_tmp / "REDTEAM_STOP").write_text("rmtree_parents stops below this folder")
    monkeypatch.setenv("TMPDIR", str(runs))  # the workers' run folders: parents the test owns
    # Cases that need limits of their own (a heavier exercise) are graded with them in
    # test_hostile_submissions; under the batch's small budget they would only time out.
    cases = [case for case in load_cases() if case.limits == LIMITS]
    jobs, hostile, good = batch_jobs(cases, host)
    results: dict[str, ExerciseResult] = {}

    def record(job: Job, result: ExerciseResult) -> None:
        assert job.student not in results
        results[job.student] = result

    started = time.monotonic()
    failures = run_jobs(jobs, Settings(root=str(ROOT), overrides=OVERRIDES), WORKERS, record)
    elapsed = time.monotonic() - started

    assert not failures
    assert set(results) == {job.student for job in jobs}
    assert not leftovers(host.mark), "processes outlived the batch (killed now)"
    assert not host.accepted  # nothing reached the loopback port
    assert (host.canary / "alice" / "exercise2.py").exists() and not list(
        host.canary.glob("*-escaped")
    )
    bound = WORKER_START_S + math.ceil(len(jobs) / WORKERS) * JOB_BOUND_S
    assert elapsed < bound
    alone: dict[tuple[str, str], ExerciseResult] = {}  # each distinct good file, graded once
    for student, text in good.items():
        key = (results[student].exercise, text)
        if key not in alone:
            alone[key] = grade(warm_engine, registry, *key)
        together = results[student]
        assert together.score == alone[key].score, student
        assert [c.status for c in together.checks] == [c.status for c in alone[key].checks], student
    for student, case in hostile.items():
        if case.known_gap:
            continue  # tested (as an expected failure) in test_hostile_submissions
        statuses = {c.status for c in results[student].checks}
        assert statuses <= case.expect, (case.name, statuses)
        assert results[student].score <= unarmed_score(case), case.name
