"""Where a batch's jobs run: one `Executor` interface, one module per implementation.

- `local.LocalPool`: judge processes on this machine (the default);
- `dask.DaskExecutor`: the workers of a Dask cluster (`grade batch --scheduler ...`), an
  optional dependency (`pip install "grade[dask]"`).

Both take the same `grader.staff.jobs.Job` messages and hand back results through the same
callbacks, as each job ends, so the caller records each one at once and loses nothing when the
batch is interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from grader.outputs.models import ExerciseResult
from grader.staff.jobs import Job, JobFailure, OnResult, Settings

DASK_HINT = 'install it with: pip install "grade[dask]"'


class ExecutorError(Exception):
    """The batch cannot run on this executor (no Dask, an unreachable scheduler, workers with
    another version of the course)."""


class Executor(Protocol):
    """Grades jobs somewhere; reports each as soon as it ends."""

    def run(
        self,
        jobs: Sequence[Job],
        on_result: OnResult,
        on_failure: Callable[[JobFailure], None] | None = None,
        retry_when: Callable[[ExerciseResult], bool] | None = None,
    ) -> list[JobFailure]:
        """Grade every job; `on_result` for each result (a result for which `retry_when` is
        true is graded once more first), `on_failure` for each job given up; returns those."""
        ...

    def close(self) -> None:
        """Release what the executor holds (a cluster it started, its connection)."""
        ...


def make_executor(scheduler: str | None, settings: Settings, workers: int) -> Executor:
    """The local pool of `workers` judges, or Dask for `tcp://HOST:PORT` or `local:N` (its
    start-up goes on in the background while the batch reads its submissions)."""
    from grader.staff.executors.local import LocalPool

    if scheduler is None:
        return LocalPool(settings, workers)
    try:
        from grader.staff.executors.dask import DaskExecutor
    except ImportError:
        raise ExecutorError(f"--scheduler needs Dask (not installed); {DASK_HINT}") from None
    return DaskExecutor.start(scheduler, settings)
