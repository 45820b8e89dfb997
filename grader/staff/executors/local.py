"""The local executor: parallel judge processes on this machine, each with its own zygote.

The parent process only schedules and records. Each worker is a fresh interpreter (spawn)
that starts its own torch-preloaded zygote once and then grades job after job, so a
(student, exercise) costs a fork plus the checks. A small pool of our own (not
`ProcessPoolExecutor`, which breaks every pending job when one worker dies) hands each idle
worker one job at a time, so the parent always knows which job a worker holds:

- A result comes back as JSON of the results model (trusted: workers are judges, not
  sandboxes) and is handed to `on_result` at once, so a caller can commit it and lose nothing
  when the batch is interrupted.
- A worker that dies (OOM killer, a crash in native code) or overruns its job's deadline is
  killed and replaced; its job is tried once more on a fresh worker, then given up with a
  reason (`on_failure`). A judge-side exception gives up that one job. Either way the batch
  goes on. Only an `EngineError` (this machine cannot make sandboxes) stops the batch.
- A result with a timeout verdict is graded once more at the end of the queue before it is
  recorded (`Job.again`): limits are wall-clock, so a machine busy with other work can push
  an honest submission over them. The first run stops at its first timeout and the
  confirmation at its second (`grader.staff.jobs`), so a submission that never returns costs
  three call limits, not its exercise's whole time budget twice.
- Ctrl-C: workers ignore SIGINT; the parent stops them and re-raises `KeyboardInterrupt`,
  but never in the middle of `on_result`, so a result being recorded is recorded whole.
- Workers die with the parent (PR_SET_PDEATHSIG on Linux); their zygotes exit when their
  worker does, and sandboxes with their zygote. A batch killed with SIGKILL leaves nothing
  running.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from grader.judge.sandbox import EngineError, main_module_hidden
from grader.outputs.models import ExerciseResult
from grader.staff.jobs import WORKER_START_S, Job, JobFailure, JobResult, Judge, OnResult, Settings

TRIES = 2  # a job whose worker died is tried on a fresh worker once more
_PR_SET_PDEATHSIG = 1
_READY = "ready"


def default_workers() -> int:
    """One judge per core this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class LocalPool:
    """The `Executor` of `grade batch` without `--scheduler`: `workers` judge processes here."""

    settings: Settings
    workers: int

    def run(
        self,
        jobs: Sequence[Job],
        on_result: OnResult,
        on_failure: Callable[[JobFailure], None] | None = None,
        retry_when: Callable[[ExerciseResult], bool] | None = None,
    ) -> list[JobFailure]:
        return run_jobs(jobs, self.settings, self.workers, on_result, on_failure, retry_when)

    def close(self) -> None:
        """Nothing outlives `run`: its workers stop when it returns."""


# --- worker side ----------------------------------------------------------------------------


def serve(conn: Connection, settings: Settings) -> None:
    """A worker process: start a judge and its zygote, then grade each job sent until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    try:
        judge = Judge(settings)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the batch
        conn.send(JobResult("fatal", f"a judge could not start: {type(exc).__name__}: {exc}"))
        return
    conn.send(_READY)
    try:
        while True:
            try:
                job = conn.recv()
            except EOFError:
                return
            if job is None:
                return
            conn.send(judge.grade(job))
    finally:
        judge.close()


def _die_with_parent() -> None:
    """Linux: be killed when the parent dies, even by SIGKILL; exit now if it already has."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


# --- parent side ----------------------------------------------------------------------------


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    job: Job | None = None
    tries: int = 0
    deadline: float = 0.0


@dataclass
class Interrupts:
    """SIGINT while recording a result waits until the result is recorded."""

    deferring: bool = False
    pending: bool = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.deferring:
            self.pending = True
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self.deferring = True
        try:
            yield
        finally:
            self.deferring = False
        if self.pending:
            raise KeyboardInterrupt


@dataclass
class _Pool:
    settings: Settings
    size: int
    queue: deque[tuple[Job, int]]
    workers: list[_Worker] = field(default_factory=list)

    def start_worker(self) -> None:
        parent_conn, child_conn = get_context("spawn").Pipe(duplex=True)
        process = get_context("spawn").Process(
            target=serve, args=(child_conn, self.settings), name="grade-judge"
        )
        # The interpreter starts with SIGINT ignored (Ctrl-C is the parent's), and without
        # running the caller's __main__ again (no `if __name__ == "__main__"` needed).
        with _sigint_ignored(), main_module_hidden():
            process.start()
        child_conn.close()
        deadline = time.monotonic() + WORKER_START_S
        self.workers.append(_Worker(process, parent_conn, deadline=deadline))

    def dispatch(self) -> None:
        """Give every idle, ready worker the next job; start workers while there is work."""
        for worker in self.workers:
            if worker.ready and worker.job is None and self.queue:
                worker.job, worker.tries = self.queue.popleft()
                worker.deadline = time.monotonic() + worker.job.timeout_s
                with contextlib.suppress(OSError):  # a dead worker is found by `_Run.step`
                    worker.conn.send(worker.job)
        starting = sum(1 for w in self.workers if not w.ready)
        while self.queue and len(self.workers) < self.size and starting < len(self.queue):
            self.start_worker()
            starting += 1

    def busy(self) -> bool:
        return bool(self.queue) or any(w.job is not None for w in self.workers)

    def retire(self, worker: _Worker) -> None:
        self.workers.remove(worker)
        _kill(worker)

    def stop(self) -> None:
        """Let idle workers exit on their own (their zygotes with them); kill the rest."""
        for worker in self.workers:
            if worker.ready:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
        for worker in self.workers:
            if worker.ready:
                worker.process.join(timeout=5)
            _kill(worker)
        self.workers.clear()

    def kill_all(self) -> None:
        for worker in self.workers:
            _kill(worker)
        self.workers.clear()


def _kill(worker: _Worker) -> None:
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join(timeout=5)
    with contextlib.suppress(OSError):
        worker.conn.close()


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, saved)


@contextlib.contextmanager
def interrupt_handler(interrupts: Interrupts) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = signal.signal(signal.SIGINT, interrupts.handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, saved)


def run_jobs(
    jobs: Iterable[Job],
    settings: Settings,
    workers: int,
    on_result: OnResult,
    on_failure: Callable[[JobFailure], None] | None = None,
    retry_when: Callable[[ExerciseResult], bool] | None = None,
) -> list[JobFailure]:
    """Grade every job on up to `workers` processes; report each job as soon as it ends.

    A result for which `retry_when` is true is graded once more, after the jobs queued so far,
    and the second result is the one reported. Returns the jobs given up (also passed to
    `on_failure`). On KeyboardInterrupt the workers are killed and the interrupt propagates;
    every result already passed to `on_result` is kept by the caller. Raises EngineError when
    sandboxes cannot be made.
    """
    run = _Run(
        _Pool(settings, max(1, workers), deque((job, 1) for job in jobs)),
        on_result,
        on_failure,
        retry_when,
    )
    try:
        with interrupt_handler(run.interrupts):
            run.pool.dispatch()
            while run.pool.busy():
                run.step()
                run.pool.dispatch()
        run.pool.stop()
    except BaseException:
        run.pool.kill_all()
        raise
    return run.failures


@dataclass
class _Run:
    """One `run_jobs` call: the pool, the callbacks, and what was given up."""

    pool: _Pool
    on_result: OnResult
    on_failure: Callable[[JobFailure], None] | None
    retry_when: Callable[[ExerciseResult], bool] | None
    interrupts: Interrupts = field(default_factory=Interrupts)
    failures: list[JobFailure] = field(default_factory=list)

    def step(self) -> None:
        """Wait for one event (a message, a death, a deadline); handle all that are ready."""
        workers = self.pool.workers
        timeout = max(0.0, min(w.deadline for w in workers) - time.monotonic())
        waitables: list[Any] = [w.conn for w in workers] + [w.process.sentinel for w in workers]
        ready = set(wait(waitables, timeout=min(timeout, 5.0)))
        for worker in list(workers):
            if worker.conn in ready:
                message = _receive(worker)
                if message is None:
                    self.lost(worker, _death(worker))
                else:
                    self.handle(worker, message)
            elif worker.process.sentinel in ready:
                self.lost(worker, _death(worker))
            elif time.monotonic() > worker.deadline:
                job = worker.job
                what = f"took longer than {job.timeout_s:g} s" if job else "did not start"
                self.lost(worker, f"the judge {what} and was stopped")

    def handle(self, worker: _Worker, message: JobResult | str) -> None:
        if message == _READY:
            worker.ready = True
            return
        assert isinstance(message, JobResult)
        if message.outcome == "fatal":
            raise EngineError(message.detail)
        job, worker.job = worker.job, None
        if job is None:
            return
        if message.outcome != "result":
            self.give_up(job, message.detail)
            return
        result = message.result()
        again = worker.tries < TRIES or job.unconfirmed()
        if self.retry_when is not None and again and self.retry_when(result):
            self.pool.queue.append((job.again(), worker.tries + 1))
            return
        with self.interrupts.deferred():
            self.on_result(job, result)

    def lost(self, worker: _Worker, reason: str) -> None:
        """A worker died or overran: replace it; retry its job once, then give the job up."""
        job, tries = worker.job, worker.tries
        self.pool.retire(worker)
        if job is None:
            if not worker.ready:
                raise EngineError(f"a judge worker could not start: {reason}")
            return
        if tries < TRIES:
            self.pool.queue.appendleft((job, tries + 1))
        else:
            self.give_up(job, f"{reason} (tried {tries} times)")

    def give_up(self, job: Job, reason: str) -> None:
        self.failures.append(JobFailure(job, reason))
        if self.on_failure is not None:
            with self.interrupts.deferred():
                self.on_failure(self.failures[-1])


def _receive(worker: _Worker) -> JobResult | str | None:
    try:
        message: JobResult | str = worker.conn.recv()
    except (EOFError, OSError):
        return None
    return message


def _death(worker: _Worker) -> str:
    worker.process.join(timeout=1)
    code = worker.process.exitcode
    if code is not None and code < 0:
        return f"the judge process was killed by {signal.Signals(-code).name}"
    return f"the judge process exited (code {code})"
