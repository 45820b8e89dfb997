"""Grading many students at once: parallel judge workers, each with its own zygote.

The parent process only schedules and records. Each worker is a fresh interpreter (spawn)
that starts its own torch-preloaded zygote once and then grades job after job, so a
(student, exercise) costs a fork plus the checks. Results come back to the parent as JSON
of the results model (trusted: workers are judges, not sandboxes) and are handed to
`on_result` as each one completes, so a caller can record it at once and lose nothing when
the batch is interrupted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context
from pathlib import Path

from grader.gradebook import Gradebook, content_hash
from grader.intake import Intake, SourceFile, StudentSubmission, read_submissions
from grader.judge import Source, run_exercise
from grader.models import BatchResult, ExerciseResult, Limits
from grader.registry import Registry
from grader.sandbox import Engine, EngineMode


@dataclass(frozen=True)
class Job:
    """One (student, exercise) to grade."""

    student: str
    exercise: str
    data: bytes
    filename: str


@dataclass(frozen=True)
class Settings:
    """How every job of a batch is graded (sent once to each worker)."""

    root: str
    device: str = "cpu"
    engine: EngineMode = "forkserver"
    include_hidden: bool = True
    limits: Limits | None = None


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


@cache
def _worker_state(settings: Settings) -> tuple[Registry, Engine]:
    """Per worker process: one registry and one zygote, made on the first job."""
    engine = Engine(settings.engine)
    engine.start()
    return Registry(Path(settings.root)), engine


def grade_job(settings: Settings, job: Job) -> str:
    """Worker side: grade one job and return the ExerciseResult as JSON."""
    registry, engine = _worker_state(settings)
    exercise = registry.get(job.exercise)
    limits = settings.limits or exercise.meta.limits
    result = run_exercise(engine, exercise, Source(job.data, job.filename), device=settings.device,
                          include_hidden=settings.include_hidden, limits=limits)
    return result.model_dump_json()


def run_jobs(jobs: Iterable[Job], settings: Settings, workers: int,
             on_result: Callable[[Job, ExerciseResult], None]) -> None:
    """Grade every job on `workers` processes, calling `on_result` as each completes.

    On KeyboardInterrupt, queued jobs are cancelled, the workers are stopped, and the
    interrupt propagates: every result already passed to `on_result` is kept by the caller.
    """
    pending_jobs = list(jobs)
    if not pending_jobs:
        return
    pool = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=get_context("spawn"))
    running: dict[Future[str], Job] = {}
    try:
        running = {pool.submit(grade_job, settings, job): job for job in pending_jobs}
        remaining = set(running)
        while remaining:
            done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
            for future in done:
                on_result(running[future], ExerciseResult.model_validate_json(future.result()))
    except BaseException:
        for future in running:
            future.cancel()
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()


def grade_folder(registry: Registry, folder: Path, settings: Settings, workers: int, *,
                 db_path: Path | None = None, roster: Path | None = None, regrade: bool = False,
                 progress: Callable[[int], Callable[[], None]] | None = None) -> BatchResult:
    """Grade a term's submission folder into the gradebook; return the current grades.

    Only what changed since the last run is graded (content hash or exercise version)
    unless `regrade`. Each result is committed as it completes, so an interrupted batch
    (Ctrl-C, SIGKILL) loses nothing that finished, and a re-run grades only the rest.
    `progress(total)` may return a callback called once per finished job.
    """
    intake = read_submissions(folder, registry.ids(), roster)
    db_path = db_path or folder.resolve().parent / "gradebook.sqlite"
    with Gradebook(db_path) as book:
        files: dict[tuple[str, str], tuple[StudentSubmission, SourceFile, str]] = {}
        for student in intake.students:
            book.add_student(student.student, student.display_name)
            for source in student.files:
                digest = content_hash(source.data)
                version = registry.get(source.exercise).meta.version
                if regrade or book.needs_grading(student.student, source.exercise, digest, version):
                    files[(student.student, source.exercise)] = (student, source, digest)
        jobs = [Job(sid, ex, source.data, f"{ex}.py") for (sid, ex), (_, source, _) in files.items()]
        advance = progress(len(jobs)) if progress is not None else None

        def record(job: Job, result: ExerciseResult) -> None:
            student, source, digest = files[(job.student, job.exercise)]
            book.record(student.student, result, content_hash=digest,
                        exercise_version=registry.get(job.exercise).meta.version,
                        name=student.display_name, late=source.late,
                        notes=[*student.notes, *source.notes])
            if advance is not None:
                advance()

        run_jobs(jobs, settings, workers, record)
        grades = book.latest()
    return _with_intake(grades, intake)


def _with_intake(grades: BatchResult, intake: Intake) -> BatchResult:
    """Late flags and notes from this run's intake; warnings for what could not be matched."""
    late = {s.student: s.late or any(f.late for f in s.files) for s in intake.students}
    submissions = [sub.model_copy(update={"late": late.get(sub.student, sub.late)})
                   for sub in grades.submissions]
    return BatchResult(submissions=submissions, warnings=[*grades.warnings, *intake.warnings])
