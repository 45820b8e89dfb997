"""`grade batch`'s options as one value, checked, and the run they describe.

The command line (`grader.cli`) only declares the options and turns a `BatchUsageError` into a
one-line usage error; what they mean (the folder and roster exist, `--source ID=KIND`,
`--exercise` names a course exercise, how many judges a GPU allows, which executor) is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.judge.registry import Registry
from grader.judge.sandbox import EngineMode
from grader.outputs.models import BatchResult
from grader.staff.batch import grade_folder
from grader.staff.executors import ExecutorError, make_executor
from grader.staff.executors.local import default_workers
from grader.staff.intake import IntakeError
from grader.staff.jobs import LimitOverrides, Settings
from grader.staff.policy import CourseError

Progress = Callable[[int], Callable[[], None]]


class BatchUsageError(Exception):
    """The options cannot describe a batch (a usage error: exit 2, one line)."""


@dataclass(frozen=True)
class BatchOptions:
    """Every option of `grade batch` but the exports and the output format."""

    folder: Path
    db: Path | None = None
    roster: Path | None = None
    sources: tuple[str, ...] = ()  # ID=KIND
    exercise: str | None = None
    regrade: bool = False
    workers: int = 0  # 0: one judge per usable core
    device: str = "cpu"  # resolved: cpu, cuda, cuda:N
    engine: EngineMode = "forkserver"
    gpu_concurrency: int = 1
    scheduler: str | None = None
    overrides: LimitOverrides = field(default_factory=LimitOverrides)

    def chosen_sources(self) -> dict[str, str]:
        """`--source ID=KIND` as {ID: KIND}."""
        chosen = dict(item.rpartition("=")[::2] for item in self.sources)
        if any(not student for student in chosen):
            raise BatchUsageError("--source takes ID=KIND, e.g. --source 1001=canvas")
        return chosen

    def check(self, registry: Registry) -> None:
        """Raise BatchUsageError for a missing folder or roster, or an unknown exercise."""
        if not self.folder.is_dir():
            raise BatchUsageError(f"no such folder: {self.folder}")
        if self.roster is not None and not self.roster.is_file():
            raise BatchUsageError(f"no such roster file: {self.roster}")
        if self.exercise is not None and self.exercise not in registry.ids():
            known = ", ".join(registry.ids())
            raise BatchUsageError(f"--exercise {self.exercise!r} is not an exercise ({known})")


def parallel_judges(workers: int, device: str, gpu_concurrency: int) -> int:
    """Each judge runs one sandbox at a time, so on a GPU at most `gpu_concurrency` per device."""
    if not device.startswith("cuda"):
        return workers
    import torch

    return max(1, min(workers, gpu_concurrency * max(1, torch.cuda.device_count())))


def run_batch(
    registry: Registry, options: BatchOptions, progress: Progress | None = None
) -> BatchResult:
    """Grade `options.folder` as `grade batch` does; BatchUsageError for what staff must fix."""
    options.check(registry)
    chosen = options.chosen_sources()
    settings = Settings(
        root=str(registry.root),
        device=options.device,
        engine=options.engine,
        overrides=options.overrides,
    )
    judges = parallel_judges(
        options.workers or default_workers(), settings.device, options.gpu_concurrency
    )
    try:
        executor = make_executor(options.scheduler, settings, judges)
    except ExecutorError as exc:
        raise BatchUsageError(str(exc)) from None
    try:
        return grade_folder(
            registry,
            options.folder,
            settings,
            judges,
            db_path=options.db,
            roster=options.roster,
            regrade=options.regrade,
            progress=progress,
            sources=chosen,
            executor=executor,
            exercise=options.exercise,
        )
    except (IntakeError, CourseError, ExecutorError) as exc:
        raise BatchUsageError(str(exc)) from None
    finally:
        executor.close()
