"""The messages between a batch and its judges, and what a judge does with one job.

A `Job` is one (student, exercise) to grade: the submission's bytes, the exercise id and the
version of the course it must be graded with. A `JobResult` is what comes back. Both are plain
frozen dataclasses, so every executor (the local pool in `grader.staff.executors.local`, Dask
in `grader.staff.executors.dask`) moves the same messages; a `Judge` is the worker-side state
they all keep warm between jobs: the registry, a zygote engine and a spare sandbox.

Judges are trusted processes (they never import student code; their sandboxes do), so results
cross from judge to batch as the results model's JSON.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine, EngineError, EngineMode, Sandbox
from grader.judge.scoring import Source, judge_threads, run_exercise
from grader.judge.spares import Spares
from grader.outputs.models import ExerciseResult, Limits
from grader.outputs.text import normalise
from grader.staff.intake.blobs import Blob

WORKER_START_S = 300.0  # a fresh judge imports torch and starts its zygote (seconds, loaded)
JOB_GRACE_S = 30.0  # judge-side work beyond the sandbox's own limits (loading checks, diagnoses)
COURSE_FOLDERS = ("exercises", "reference")
# A batch confirms every timeout by grading the job once more (`Job.again`). Its first run
# stops at the first check that times out (the confirmation decides anyway); the
# confirmation stops at its second, so a submission that never returns costs three call
# limits in all, while one that loops on a single input keeps the points of the other checks.
FIRST_RUN_TIMEOUTS = 1
CONFIRMATION_TIMEOUTS = 2


@dataclass(frozen=True)
class Job:
    """One (student, exercise) to grade; `timeout_s` bounds the whole job, judge included.

    `course` is the client's `course_version` ("" skips the check: same machine, same files).
    `stop_after_timeouts` ends the run after that many checks timed out (None: never).
    """

    student: str
    exercise: str
    data: bytes | Blob  # a Blob is read by the worker when the job is graded
    filename: str
    timeout_s: float = 120.0
    course: str = ""
    stop_after_timeouts: int | None = None

    def unconfirmed(self) -> bool:
        """A first run, stopped at its first timeout: it must be confirmed to be recorded."""
        return self.stop_after_timeouts == FIRST_RUN_TIMEOUTS

    def again(self) -> Job:
        """The confirmation run of this job after a timeout (what executors queue)."""
        if self.stop_after_timeouts is None:
            return self
        return dataclasses.replace(self, stop_after_timeouts=CONFIRMATION_TIMEOUTS)


@dataclass(frozen=True)
class JobResult:
    """A judge's answer to one job: the result's JSON, or why there is none.

    `failed` costs this job only (a judge-side exception); `fatal` stops the batch (this judge
    cannot make sandboxes, or has another version of the course).
    """

    outcome: Literal["result", "failed", "fatal"]
    detail: str

    def result(self) -> ExerciseResult:
        return ExerciseResult.model_validate_json(self.detail)


@dataclass(frozen=True)
class LimitOverrides:
    """Per-run overrides of every exercise's own limits (None keeps the exercise's value)."""

    import_s: float | None = None
    call_s: float | None = None
    total_s: float | None = None
    cpu_s: int | None = None
    memory_mb: int | None = None

    def apply(self, limits: Limits) -> Limits:
        """The exercise's limits with these overrides, validated (all must be positive)."""
        given = dataclasses.asdict(self).items()
        changes = {key: value for key, value in given if value is not None}
        return Limits.model_validate({**limits.model_dump(), **changes}) if changes else limits


@dataclass(frozen=True)
class Settings:
    """How every job of a batch is graded (sent once to each worker)."""

    root: str
    device: str = "cpu"
    engine: EngineMode = "forkserver"
    include_hidden: bool = True
    overrides: LimitOverrides = LimitOverrides()


OnResult = Callable[[Job, ExerciseResult], None]


@dataclass(frozen=True)
class JobFailure:
    """A job the batch could not grade, and why (a grader problem, not the student's)."""

    job: Job
    reason: str


def job_timeout(limits: Limits) -> float:
    """The parent's deadline for one job: the sandbox's budget plus the judge's own work."""
    return limits.import_s + limits.total_s + JOB_GRACE_S


def timed_out(result: ExerciseResult) -> bool:
    """Some check hit a wall-clock or CPU limit: on a loaded machine, worth one more try."""
    return any(check.status == "timeout" for check in result.checks)


def course_version(root: Path) -> str:
    """A digest of every file under the course's `exercises/` and `reference/` folders: two
    machines grade alike only when theirs are equal."""
    digest = hashlib.sha256()
    for folder in COURSE_FOLDERS:
        base = root / folder
        paths = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
        for path in paths:
            if "__pycache__" in path.parts:
                continue
            name = path.relative_to(root).as_posix().encode()
            digest.update(name + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class Judge:
    """A worker's warm state: the course, a zygote engine, a spare sandbox; grades jobs."""

    def __init__(self, settings: Settings) -> None:
        judge_threads()
        self.settings = settings
        self.registry = Registry(Path(settings.root))
        self.course = course_version(Path(settings.root))
        self.engine = Engine(settings.engine)
        warm_up(self.engine)
        self.spares = Spares()

    def grade(self, job: Job) -> JobResult:
        if job.course and job.course != self.course:
            return JobResult(
                "fatal",
                f"this judge's course files (exercises/, reference/ under {self.settings.root}) "
                f"are version {self.course[:12]}, the batch's are {job.course[:12]}: install "
                "the same course on every worker",
            )
        return grade_job(self.registry, self.engine, self.settings, job, self.spares)

    def close(self) -> None:
        self.spares.close()


def warm_up(engine: Engine) -> None:
    """Start the zygote and wait until it has made one sandbox.

    `Engine.start` returns before the zygote has imported torch, so without this the first
    student's sandbox start would pay for it, within that student's import limit.
    """
    engine.start()
    with Sandbox(engine, Limits(import_s=WORKER_START_S), "cpu", "warm_up.py", "warm_up"):
        pass


def grade_job(
    registry: Registry,
    engine: Engine,
    settings: Settings,
    job: Job,
    spares: Spares | None = None,
) -> JobResult:
    """Worker side: the result, or why this job (`failed`) or the batch (`fatal`) stops."""
    try:
        exercise = registry.get(job.exercise)
        limits = settings.overrides.apply(exercise.meta.limits)
        result = run_exercise(
            engine,
            exercise,
            Source(job.data if isinstance(job.data, bytes) else job.data.read(), job.filename),
            device=settings.device,
            include_hidden=settings.include_hidden,
            limits=limits,
            spares=spares,
            stop_after_timeouts=job.stop_after_timeouts,
        )
    except EngineError as exc:
        return JobResult("fatal", f"the grading engine cannot make sandboxes: {exc}")
    except Exception as exc:  # noqa: BLE001 - a judge bug costs this job, not the batch
        return JobResult("failed", f"the judge raised {type(exc).__name__}: {exc}"[:500])
    try:
        return JobResult("result", recordable(result).model_dump_json())
    except Exception as exc:  # noqa: BLE001 - the failure is this result's verdict
        try:
            return JobResult("result", unrecordable(result, exc).model_dump_json())
        except Exception:  # noqa: BLE001 - not even that: this job, not the worker
            return JobResult("failed", f"the result could not be sent: {type(exc).__name__}")


def recordable(result: ExerciseResult) -> ExerciseResult:
    """The result with every string normalised (no lone surrogates): one bad text in a
    student's feedback or output must not make the whole result unrecordable."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return normalise(value)
        if isinstance(value, dict):
            return {clean(key): clean(item) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return ExerciseResult.model_validate(clean(result.model_dump()))


def unrecordable(result: ExerciseResult, exc: Exception) -> ExerciseResult:
    """What is recorded when a result itself cannot be: every check `invalid`, 0 points."""
    why = f"the grader could not record this result ({type(exc).__name__}); grade it again"
    checks = [
        check.model_copy(update={"status": "invalid", "score": 0.0, "feedback": why})
        for check in result.checks
    ]
    return ExerciseResult(
        exercise=result.exercise, score=0.0, max_score=result.max_score, checks=checks
    )
