"""Tests for grader.staff.jobs: how a batch confirms timeouts, on real judges and sandboxes.

A throwaway course of one exercise with four checks, each calling `f(i)` for its own `i`, is
graded through `grade_folder` with a 1 s call limit. A submission that never returns must cost
one call limit in its first run and two in its confirmation (the rest of its checks are not
run), whatever its exercise's total budget; one that loops on one input keeps the other
checks' points; an honest one that is slow only the first time loses nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

from grader.judge.registry import Registry
from grader.outputs.models import ExerciseResult
from grader.staff.batch import Job, JobFailure, LimitOverrides, Settings, grade_folder
from grader.staff.executors.local import LocalPool
from grader.staff.jobs import CONFIRMATION_TIMEOUTS, FIRST_RUN_TIMEOUTS, timed_out

CHECKS = '''
from pathlib import Path
from grader.authoring import check, fail, same_form

def answer(sub, i):
    student, flags = sub.call("who")
    flag = Path(flags) / f"{student}-{i}"
    first = not flag.exists()
    flag.touch()
    got = sub.call("f", i, first)
    if not same_form(got, i):  # a value comparison: a check worth points needs one
        fail(f"f({i}) returned {got!r}, not {i}")

@check(points=1)
def zero(sub):
    """f(0) is 0."""
    answer(sub, 0)

@check(points=1)
def one(sub):
    """f(1) is 1."""
    answer(sub, 1)

@check(points=1)
def two(sub):
    """f(2) is 2."""
    answer(sub, 2)

@check(points=1)
def three(sub):
    """f(3) is 3."""
    answer(sub, 3)
'''

SUBMISSION = """import time

def who():
    return {student!r}, {flags!r}

def f(i, first):
    if i in {loops!r}:
        while True:
            pass
    if first and i in {naps!r}:
        time.sleep(3.0)  # over the 1 s limit, the first time only
    return i
"""


def build_course(root: Path) -> None:
    folder = root / "exercises" / "exercise98"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'id = "exercise98"\ntitle = "Loops"\norder = 98\nfunctions = ["f", "who"]\n\n'
        "[limits]\ncall_s = 5\ntotal_s = 60\n",
        encoding="utf-8",
    )
    (folder / "exercise98.py").write_text("def f(i, first):\n    raise NotImplementedError\n")
    (folder / "checks.py").write_text(CHECKS, encoding="utf-8")


@dataclasses.dataclass
class Watched:
    """The local pool of one judge, keeping every result it was asked to confirm or not.

    With one judge, results arrive in the order jobs were given, and the pool asks about
    first runs only (a confirmation is recorded as it is), so the n-th result asked about
    is the n-th job's first run.
    """

    pool: LocalPool
    jobs: list[Job] = dataclasses.field(default_factory=list)
    asked: list[ExerciseResult] = dataclasses.field(default_factory=list)

    def run(
        self,
        jobs: Sequence[Job],
        on_result: Callable[[Job, ExerciseResult], None],
        on_failure: Callable[[JobFailure], None] | None = None,
        retry_when: Callable[[ExerciseResult], bool] | None = None,
    ) -> list[JobFailure]:
        assert retry_when is not None
        self.jobs += jobs

        def confirm(result: ExerciseResult) -> bool:
            self.asked.append(result)
            return retry_when(result)

        return self.pool.run(jobs, on_result, on_failure, confirm)

    def close(self) -> None:
        self.pool.close()

    def first_runs(self) -> dict[str, ExerciseResult]:
        assert len(self.asked) == len(self.jobs), "a confirmation was asked to be confirmed"
        return {job.student: result for job, result in zip(self.jobs, self.asked, strict=True)}


def test_a_looping_submission_costs_three_call_limits_and_one_confirmation(
    tmp_path: Path,
) -> None:
    course, folder, flags = tmp_path / "course", tmp_path / "submissions", tmp_path / "flags"
    build_course(course)
    flags.mkdir()
    kinds = {"looper": ({0, 1, 2, 3}, set()), "once": ({1}, set()), "napper": (set(), {0})}
    kinds["fine"] = (set(), set())
    for student, (loops, naps) in kinds.items():
        (folder / student).mkdir(parents=True)
        source = SUBMISSION.format(student=student, flags=str(flags), loops=loops, naps=naps)
        (folder / student / "exercise98.py").write_text(source, encoding="utf-8")
    settings = Settings(root=str(course), overrides=LimitOverrides(call_s=1.0))
    watched = Watched(LocalPool(settings, 1))
    batch = grade_folder(
        Registry(course), folder, settings, 1, db_path=tmp_path / "book.sqlite", executor=watched
    )
    assert {job.stop_after_timeouts for job in watched.jobs} == {FIRST_RUN_TIMEOUTS}
    results = {sub.student: sub.exercises[0] for sub in batch.submissions}
    statuses = {student: [c.status for c in r.checks] for student, r in results.items()}
    assert statuses == {
        "fine": ["passed"] * 4,
        "napper": ["passed"] * 4,  # slow the first time only: the confirmation passes it
        "once": ["passed", "timeout", "passed", "passed"],  # the other checks keep their points
        "looper": ["timeout"] * 4,
    }
    # One confirmation each for the three that timed out; the first runs stopped at their
    # first timeout, the confirmation of the looper at its second.
    first_runs = watched.first_runs()
    confirmed = sorted(student for student, r in first_runs.items() if timed_out(r))
    assert confirmed == ["looper", "napper", "once"]
    first = {s: [c.feedback for c in r.checks] for s, r in first_runs.items()}
    limit, skipped = "took longer than 1.0 s", "not run: an earlier check of this submission"
    assert [limit in text for text in first["looper"]] == [True, False, False, False]
    assert all(skipped in text for text in first["looper"][1:])
    assert [limit in text for text in first["napper"]] == [True, False, False, False]
    assert [limit in text for text in first["once"]] == [False, True, False, False]
    looper = [c.feedback for c in results["looper"].checks]
    assert [limit in text for text in looper] == [True, True, False, False]
    assert all("not run: 2 earlier checks" in text for text in looper[2:])
    assert CONFIRMATION_TIMEOUTS == 2
    # Wall bound, generous for a loaded machine: the old rule spent the whole 60 s budget
    # (4 calls of 1 s, then the rest) twice; now the recorded run spends two call limits.
    assert results["looper"].elapsed_s < 2 * 1.0 + 20


def test_a_confirmation_is_asked_once_even_after_a_worker_died(tmp_path: Path) -> None:
    """`Job.again` is the confirmation; a job already confirmed is not confirmed again."""
    job = Job("s", "exercise98", b"", "exercise98.py", stop_after_timeouts=FIRST_RUN_TIMEOUTS)
    assert job.unconfirmed()
    again = job.again()
    assert again.stop_after_timeouts == CONFIRMATION_TIMEOUTS and not again.unconfirmed()
    assert again.again() == again
    plain = Job("s", "exercise98", b"", "exercise98.py")
    assert plain.again() is plain and not plain.unconfirmed()


def test_timed_out_is_what_asks_for_a_confirmation() -> None:
    def result(*statuses: str) -> ExerciseResult:
        checks = [
            {"name": f"c{i}", "status": s, "score": 0, "max_score": 1}
            for i, s in enumerate(statuses)
        ]
        return ExerciseResult.model_validate(
            {"exercise": "exercise98", "score": 0, "max_score": len(checks), "checks": checks}
        )

    assert timed_out(result("passed", "timeout"))
    assert not timed_out(result("failed", "error", "crashed", "memory"))
