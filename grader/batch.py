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

from grader.judge import Source, run_exercise
from grader.models import ExerciseResult, Limits
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
