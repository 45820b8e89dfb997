"""Grading a term's folder: intake, what changed, claims, recording, the reports.

`grade_folder` builds one `Job` per (student, exercise) that needs grading and hands the jobs to
an `Executor` (`grader.staff.executors`): the local pool of judge processes by default, a Dask
cluster with `--scheduler`. Intake, the gradebook and the reports do not know which one ran;
every result is recorded as it arrives.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.judge.registry import Registry
from grader.outputs.models import BatchResult, BatchRun, ExerciseResult
from grader.staff.claims import lease
from grader.staff.executors import Executor
from grader.staff.executors.local import LocalPool, default_workers, run_jobs
from grader.staff.gradebook import BatchTicket, Gradebook, Wanted, content_hash
from grader.staff.intake import (
    ArchiveError,
    Intake,
    IntakeError,
    SourceFile,
    StudentSubmission,
    read_submissions,
)
from grader.staff.jobs import (
    FIRST_RUN_TIMEOUTS,
    Job,
    JobFailure,
    LimitOverrides,
    Settings,
    job_timeout,
    recordable,
    timed_out,
    unrecordable,
)
from grader.staff.lateness import lateness_of
from grader.staff.policy import CoursePolicy, course_file, load_course

__all__ = [
    "Job",
    "JobFailure",
    "LimitOverrides",
    "Settings",
    "default_workers",
    "fingerprints",
    "grade_folder",
    "job_timeout",
    "run_jobs",
    "timed_out",
]

CLAIM_TTL_S = 120.0  # a batch's claims outlive its last heartbeat by this much (other hosts)
CLAIM_RENEW_S = 20.0  # how often a running batch renews them


def grade_folder(
    registry: Registry,
    folder: Path,
    settings: Settings,
    workers: int,
    *,
    db_path: Path | None = None,
    roster: Path | None = None,
    regrade: bool = False,
    progress: Callable[[int], Callable[[], None]] | None = None,
    executor: Executor | None = None,
    sources: dict[str, str] | None = None,
    exercise: str | None = None,
) -> BatchResult:
    """Grade a term's submission folder into the gradebook; return the current grades.

    Only what changed since the last run is graded (content hash or exercise version)
    unless `regrade`. Each result is committed as it completes, so an interrupted batch
    (Ctrl-C, SIGKILL) loses nothing that finished, and a re-run grades only the rest.
    `progress(total)` may return a callback called once per finished job. `sources` picks
    a source kind per student id where several feed one (`grader.staff.intake`). A timeout is
    confirmed by a second run before it is recorded (the first stops at its first timeout,
    the confirmation at its second: `grader.staff.jobs`). A job the grader could not finish is not
    recorded (a re-run tries it again) and is named in the warnings.

    The batch claims each (student, exercise) in the gradebook before grading it; pairs that
    another live batch holds are skipped, tried once more when this batch's own work is done
    (their batch may have died), and counted in the warnings. Jobs run on `executor` (default:
    the local pool of `workers` judges). With `exercise` (an LMS download of one assignment),
    each student's single `.py` or notebook, whatever its name, is that exercise's submission.
    """
    runner = executor if executor is not None else LocalPool(settings, workers)
    # A local judge reads each file when it grades it; a remote one gets the bytes in the job.
    lazy = isinstance(runner, LocalPool)
    ids, single = ([exercise], True) if exercise is not None else (registry.ids(), False)
    intake = read_submissions(folder, ids, roster, sources=sources, lazy=lazy, single=single)
    if not intake.students:
        unmatched = (
            f" ({len(intake.warnings)} entries matched no exercise)" if intake.warnings else ""
        )
        raise IntakeError(f"no submissions found in {folder}{unmatched}")
    db_path = db_path or default_gradebook(folder)
    course = load_course(course_file(registry.root), registry.ids())  # bad: fail before grading
    with Gradebook(db_path) as book, _registered(book, db_path) as ticket:
        unrecorded: list[str] = []
        files = _changed_files(registry, intake, book, regrade, unrecorded)
        found = sum(len(student.files) for student in intake.students)
        unchanged = found - len(files) - len(unrecorded)  # the unreadable are not unchanged
        since = ticket.since if regrade else 0
        recorder = _Recorder(registry, folder, book, files, since, unrecorded=unrecorded)
        before = fingerprints(registry, {exercise for _, exercise in files})
        failures, busy = _grade_claimed(
            _Round(registry, settings, runner, book, ticket, regrade, progress), files, recorder
        )
    grades = _latest(db_path, course)
    problems = _problems(registry, failures, unrecorded, busy, before)
    run = BatchRun(
        graded=len(recorder.graded),
        unchanged=unchanged,
        busy=len(busy),
        not_graded=len(failures) + len(unrecorded),
        gradebook=str(db_path),
    )
    return _with_intake(grades, intake, problems).model_copy(update={"run": run})


Files = dict[tuple[str, str], tuple[StudentSubmission, SourceFile, str]]


@dataclass
class _Recorder:
    """Commits each result to the gradebook as it completes. A failure while recording is that
    result's verdict (student text the gradebook refused), never the batch's end."""

    registry: Registry
    folder: Path
    book: Gradebook
    files: Files
    since: int  # with --regrade, what counts as this batch's own attempts
    graded: list[tuple[str, str]] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)
    advance: Callable[[], None] = lambda: None  # the progress bar's, replaced per round

    def store(self, job: Job, result: ExerciseResult) -> None:
        student, source, digest = self.files[(job.student, job.exercise)]
        lateness, note = lateness_of(self.folder, source.origin, source.late)
        self.book.record(
            student.student,
            result,
            content_hash=digest,
            exercise_version=self.registry.get(job.exercise).meta.version,
            name=student.display_name,
            late=source.late,
            submitted_at=lateness.submitted_at,
            notes=[*student.notes, *source.notes, *([note] if note else [])],
            since=self.since,
        )

    def record(self, job: Job, result: ExerciseResult) -> None:
        try:
            try:
                self.store(job, result)
            except Exception:  # noqa: BLE001 - student text the gradebook refused
                self.store(job, recordable(result))
            self.graded.append((job.student, job.exercise))
        except Exception as exc:  # noqa: BLE001 - still refused: record why, not the result
            try:
                self.store(job, unrecordable(result, exc))
                self.graded.append((job.student, job.exercise))
            except Exception as again:  # noqa: BLE001 - nothing recorded; say so
                self.unrecorded.append(
                    f"{job.student}: {job.exercise} not recorded "
                    f"({type(again).__name__}); run the batch again"
                )
        self.advance()

    def given_up(self, failure: JobFailure) -> None:
        self.advance()


@dataclass(frozen=True)
class _Round:
    """What each round of claiming and grading needs."""

    registry: Registry
    settings: Settings
    runner: Executor
    book: Gradebook
    ticket: BatchTicket
    regrade: bool
    progress: Callable[[int], Callable[[], None]] | None


def _grade_claimed(
    rounds: _Round, files: Files, recorder: _Recorder
) -> tuple[list[JobFailure], tuple[Wanted, ...]]:
    """Claim every wanted pair, grade what this batch got, and try once more for pairs another
    live batch held (it may have died); the failures, and the pairs still held by another."""
    registry = rounds.registry
    failures: list[JobFailure] = []
    wanted = [
        Wanted(sid, ex, digest, registry.get(ex).meta.version)
        for (sid, ex), (_, _, digest) in sorted(files.items())
    ]
    busy: tuple[Wanted, ...] = ()
    while wanted:
        outcome = rounds.book.claim(rounds.ticket, wanted, regrade=rounds.regrade)
        busy, wanted = outcome.busy, list(outcome.busy)
        mine = {(item.student, item.exercise) for item in outcome.claimed}
        if not mine:
            break
        jobs = [
            Job(
                sid,
                ex,
                source.blob or source.data,
                f"{ex}.py",
                job_timeout(rounds.settings.overrides.apply(registry.get(ex).meta.limits)),
                stop_after_timeouts=FIRST_RUN_TIMEOUTS,
            )
            for (sid, ex), (_, source, _) in sorted(files.items(), key=_by_exercise(registry))
            if (sid, ex) in mine
        ]
        progress = rounds.progress
        recorder.advance = progress(len(jobs)) if progress is not None else (lambda: None)
        failures += rounds.runner.run(
            jobs, recorder.record, recorder.given_up, retry_when=timed_out
        )
    return failures, busy


def _problems(
    registry: Registry,
    failures: list[JobFailure],
    unrecorded: list[str],
    busy: tuple[Wanted, ...],
    before: dict[str, str],
) -> list[str]:
    """The batch's warnings: what was not graded or recorded, what another batch holds, and
    exercises whose checks changed while the batch ran."""
    problems = [
        f"{f.job.student}: {f.job.exercise} not graded: {f.reason}; run the batch again"
        for f in failures
    ] + unrecorded
    if busy:
        problems.append(
            f"{len(busy)} being graded by another batch (not graded here; its results appear "
            "in the gradebook as it records them)"
        )
    problems += [
        f"{exercise}: its checks or probes changed while the batch ran, so its results "
        "may mix both versions; grade it again with --regrade"
        for exercise, digest in fingerprints(registry, set(before)).items()
        if digest != before[exercise]
    ]
    return problems


def default_gradebook(folder: Path) -> Path:
    """The gradebook of a submissions folder when none is named: `<folder>.gradebook.sqlite`
    beside it, so two folders in one parent never share one."""
    folder = folder.resolve()
    return folder.parent / f"{folder.name}.gradebook.sqlite"


@contextlib.contextmanager
def _registered(book: Gradebook, db_path: Path) -> Iterator[BatchTicket]:
    """This batch, registered in the gradebook and kept alive by a heartbeat until it ends;
    its claims go with it (on SIGKILL, when the next batch finds its process gone)."""
    ticket = book.open_batch(CLAIM_TTL_S)

    def renew() -> None:
        with Gradebook(db_path) as own:  # a connection of the heartbeat's own thread
            own.renew_batch(ticket, CLAIM_TTL_S)

    try:
        with lease(renew, CLAIM_RENEW_S):
            yield ticket
    finally:
        book.close_batch(ticket)


def _latest(db_path: Path, course: CoursePolicy) -> BatchResult:
    with Gradebook(db_path) as book:
        return book.latest(course)


def _by_exercise(registry: Registry) -> Callable[[tuple[tuple[str, str], Any]], tuple[int, str]]:
    """Sort key: exercise in lecture order, then student. A worker then grades one exercise
    after another, and the sandbox it starts ahead (`grader.judge.spares.Spares`) fits
    the next job."""
    order = {exercise_id: index for index, exercise_id in enumerate(registry.ids())}

    def key(item: tuple[tuple[str, str], Any]) -> tuple[int, str]:
        (student, exercise), _ = item
        return order.get(exercise, len(order)), student

    return key


def fingerprints(registry: Registry, exercise_ids: set[str]) -> dict[str, str]:
    """A digest of the files that decide each exercise's grades (not its README).

    Judges load an exercise's checks once, sandboxes read its probes at every run: an edit
    in the middle of a batch would grade some students with each version.
    """
    found = {}
    for exercise_id in sorted(exercise_ids):
        exercise = registry.get(exercise_id)
        paths = [p for p in sorted(exercise.folder.iterdir()) if p.is_file() and p.suffix != ".md"]
        paths += [exercise.hidden_checks_path] if exercise.hidden_checks_path else []
        digest = hashlib.sha256()
        for path in paths:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        found[exercise_id] = digest.hexdigest()
    return found


def _changed_files(
    registry: Registry, intake: Intake, book: Gradebook, regrade: bool, unreadable: list[str]
) -> Files:
    """Every (student, exercise) whose file or exercise version changed (all when `regrade`)."""
    files: dict[tuple[str, str], tuple[StudentSubmission, SourceFile, str]] = {}
    for student in intake.students:
        book.add_student(student.student, student.display_name)
        for source in student.files:
            try:
                digest = content_hash(source.read())
            except (OSError, ArchiveError) as exc:  # changed or vanished since intake
                unreadable.append(f"{student.student}: {source.origin}: not graded: {exc}")
                continue
            version = registry.get(source.exercise).meta.version
            if regrade or book.needs_grading(student.student, source.exercise, digest, version):
                files[(student.student, source.exercise)] = (student, source, digest)
    return files


def _with_intake(grades: BatchResult, intake: Intake, problems: list[str]) -> BatchResult:
    """Late flags and notes from this run's intake; warnings for what could not be matched."""
    late = {s.student: s.late or any(f.late for f in s.files) for s in intake.students}
    submissions = [
        sub.model_copy(update={"late": late.get(sub.student, sub.late)})
        for sub in grades.submissions
    ]
    return BatchResult(
        submissions=submissions, warnings=[*grades.warnings, *intake.warnings, *problems]
    )
