"""The Dask executor: `grade batch --scheduler tcp://HOST:PORT` (a running cluster) or
`--scheduler local:N` (a `LocalCluster` of N worker processes on 127.0.0.1, to try it out).

Each Dask worker process keeps one warm `Judge` (registry, zygote, spare sandbox), made by a
worker plugin when the worker starts, before it has computed anything, so sandboxes fork from
a zygote that never ran torch code of ours or theirs; every isolation layer is the local pool's.
A job carries the submission's bytes, the exercise id and the client's `course_version`; a
worker whose `exercises/` and `reference/` differ answers `fatal` and the batch stops with
that message. Results stream back with `as_completed` and go to `on_result` on the client
(which commits them) one by one. A worker that dies mid-job costs that job a retry on another
worker (Dask's scheduler reschedules it; after `distributed.scheduler.allowed-failures` deaths
it is given up); a future resolves once, so no job is recorded twice. A job that overruns its
deadline (`Job.timeout_s`, the whole job, judge included, as in the local pool) stops its
worker process: a watchdog thread SIGKILLs it, its sandboxes die with it (PR_SET_PDEATHSIG),
the worker's nanny starts a fresh one and the scheduler treats the job as a worker death. A
`local:N` cluster allows a job one such death before giving it up (`TRIES`, as the local pool);
a cluster of your own follows its `distributed.scheduler.allowed-failures` (Dask's default: 3;
`worker-saturation: 1.0` there too keeps queued jobs off a worker that may die).

Workers run jobs one at a time (the judge is not shared between threads): start them with
`--nthreads 1` and one `--nworkers` per core.

Start-up is Dask's one fixed cost (a scheduler, nannies spawning workers that import dask and
torch, a judge per worker), so `grade batch` hides what it can of it: `DaskExecutor.start`
returns at once and connects in a background thread while the client reads the submissions
and diffs them against the gradebook; `run` waits for it. A `local:N` cluster's workers run
without Dask's statistical profiler (it samples every thread's stack every 10 ms: on 2 cores it
made each run 30 ms slower, 1.41x the local pool's wall time against 1.01x without it).
"""

# mypy: disable-error-code="no-untyped-call"
# (distributed ships no type hints for Client, LocalCluster, as_completed)
from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import logging
import multiprocessing
import os
import signal
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask
from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker

from grader.judge.sandbox import main_module_hidden
from grader.outputs.models import ExerciseResult
from grader.staff.executors import ExecutorError
from grader.staff.executors.local import TRIES, Interrupts, interrupt_handler
from grader.staff.jobs import Job, JobFailure, JobResult, Judge, OnResult, Settings, course_version

log = logging.getLogger(__name__)

PLUGIN = "grade-judge"
ROOT_ENV = "GRADE_COURSE_ROOT"  # a worker host whose course lives at another path
# A local:N cluster's scheduler: a job may cost one worker death before it is given up (the
# local pool's TRIES), and a worker holds only the job it runs, so a worker that dies takes no
# queued, innocent job's tries with it.
LOCAL_CLUSTER_CONFIG = {
    "distributed.scheduler.allowed-failures": TRIES - 1,
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.worker.profile.enabled": False,  # passed on to the workers by their nannies
}
WINDOW_PER_WORKER = 4  # jobs in flight per worker thread: enough to keep each busy


class JudgePlugin(WorkerPlugin):
    """Gives every worker process one warm `Judge`, built when the worker starts."""

    idempotent = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = plugin_name(settings)
        self.judge: Judge | None = None
        self.lock = threading.Lock()  # guards the judge's start
        self.grading = threading.Lock()  # one job at a time per judge

    def __getstate__(self) -> dict[str, Any]:
        return {"settings": self.settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["settings"])  # type: ignore[misc]

    def setup(self, worker: Any) -> None:
        self.ready_judge()

    def ready_judge(self) -> Judge:
        """The worker's judge, started on first use (normally in `setup`, before any task)."""
        with self.lock:
            if self.judge is None:
                # A Dask worker is a daemonic process by default, and multiprocessing refuses
                # to start children from one; sandboxes are the judge's, killed by it.
                multiprocessing.current_process()._config["daemon"] = False  # type: ignore[attr-defined]
                root = os.environ.get(ROOT_ENV, self.settings.root)
                self.judge = Judge(dataclasses.replace(self.settings, root=root))
            return self.judge

    def teardown(self, worker: Any) -> None:
        if self.judge is not None:
            self.judge.close()


def plugin_name(settings: Settings) -> str:
    """The judge plugin's name for one batch's settings: a batch with other settings (another
    course root, device, engine or limit overrides) on the same long-running cluster gets
    judges of its own, never the warm judges another batch left with its settings."""
    digest = hashlib.sha256(repr(settings).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{PLUGIN}-{digest[:16]}"


def grade_on_worker(job: Job, plugin_named: str) -> JobResult:
    """A Dask task: grade one job with this worker's judge for the batch's settings."""
    plugin = get_worker().plugins.get(plugin_named)
    if not isinstance(plugin, JudgePlugin):
        return JobResult("fatal", "a Dask worker has no judge (the grade plugin is missing)")
    judge = plugin.ready_judge()
    with plugin.grading, deadline(job.timeout_s):
        return judge.grade(job)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """SIGKILL this worker process if the block runs longer than `seconds`."""
    timer = threading.Timer(seconds, _overran, args=(seconds,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _overran(seconds: float) -> None:
    log.error("a grade job took longer than its %g s; stopping this worker", seconds)
    os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class DaskExecutor:
    """Runs jobs on a Dask cluster; `close` ends the connection (and a cluster it started)."""

    client: Client
    settings: Settings
    course: str
    cluster: LocalCluster | None = None

    @functools.cached_property
    def plugin(self) -> str:
        """The name of this batch's judge plugin on the workers."""
        return plugin_name(self.settings)

    @classmethod
    def connect(cls, scheduler: str, settings: Settings, course: str | None = None) -> DaskExecutor:
        """`tcp://HOST:PORT` or `local:N`, with a judge on every worker; returns when ready."""
        course = course or course_version(Path(settings.root))
        if scheduler.startswith("local:"):
            cluster = _local_cluster(_count(scheduler))
            try:
                client = Client(cluster)
            except BaseException:
                cluster.close()
                raise
            return cls.judging(client, settings, course, cluster)
        return cls.judging(_client(scheduler), settings, course)

    @classmethod
    def start(cls, scheduler: str, settings: Settings) -> StartingDask:
        """`connect` in a background thread, so the cluster's start-up overlaps the client's
        own work; what can be refused at once (a malformed `local:N`, an unreachable
        scheduler) is refused here, before the batch touches its gradebook."""
        if scheduler.startswith("local:"):
            _count(scheduler)
            return StartingDask(lambda: cls.connect(scheduler, settings))
        client = _client(scheduler)
        return StartingDask(
            lambda: cls.judging(client, settings, course_version(Path(settings.root)))
        )

    @classmethod
    def judging(
        cls, client: Client, settings: Settings, course: str, cluster: LocalCluster | None = None
    ) -> DaskExecutor:
        """The executor of a connected cluster, once every worker has a judge (a worker that
        joins later, or a nanny's replacement, builds its own when it registers)."""
        executor = cls(client, settings, course, cluster)
        try:
            client.register_plugin(JudgePlugin(settings))
        except Exception as exc:
            executor.close()
            raise ExecutorError(f"a Dask worker could not start a judge: {exc}") from None
        return executor

    def run(
        self,
        jobs: Sequence[Job],
        on_result: OnResult,
        on_failure: Callable[[JobFailure], None] | None = None,
        retry_when: Callable[[ExerciseResult], bool] | None = None,
    ) -> list[JobFailure]:
        run = _Run(self, deque((job, 1) for job in jobs), on_result, on_failure, retry_when)
        run.window = self.window()
        try:
            with interrupt_handler(run.interrupts):
                run.go()
        except BaseException:
            self.client.cancel(list(run.pending), force=True)
            raise
        return run.failures

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()

    def window(self) -> int:
        threads = sum(self.client.nthreads().values()) or 1
        return max(8, WINDOW_PER_WORKER * threads)


@dataclass
class _Run:
    executor: DaskExecutor
    queue: deque[tuple[Job, int]]
    on_result: OnResult
    on_failure: Callable[[JobFailure], None] | None
    retry_when: Callable[[ExerciseResult], bool] | None
    interrupts: Interrupts = dataclasses.field(default_factory=Interrupts)
    failures: list[JobFailure] = dataclasses.field(default_factory=list)
    pending: dict[Any, tuple[Job, int]] = dataclasses.field(default_factory=dict)
    window: int = 8  # futures in flight at most (the executor's `window()`, asked once)

    def go(self) -> None:
        done = as_completed()
        self.top_up(done)
        for future in done:
            job, tries = self.pending.pop(future)
            self.handle(future, job, tries)
            self.top_up(done)

    def top_up(self, done: as_completed) -> None:
        while self.queue and len(self.pending) < self.window:
            job, tries = self.queue.popleft()
            sent = dataclasses.replace(job, course=self.executor.course)
            key = f"grade-{job.exercise}-{uuid.uuid4().hex}"
            future = self.executor.client.submit(
                grade_on_worker, sent, self.executor.plugin, key=key, pure=False
            )
            self.pending[future] = (job, tries)
            done.add(future)

    def handle(self, future: Any, job: Job, tries: int) -> None:
        try:
            answer: JobResult = future.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker and the like: this job only
            self.give_up(job, f"the Dask task failed: {type(exc).__name__}: {exc}"[:500])
            return
        if answer.outcome == "fatal":
            raise ExecutorError(answer.detail)
        if answer.outcome != "result":
            self.give_up(job, answer.detail)
            return
        result = answer.result()
        again = tries < TRIES or job.unconfirmed()
        if self.retry_when is not None and again and self.retry_when(result):
            self.queue.append((job.again(), tries + 1))
            return
        with self.interrupts.deferred():
            self.on_result(job, result)

    def give_up(self, job: Job, reason: str) -> None:
        self.failures.append(JobFailure(job, reason))
        if self.on_failure is not None:
            with self.interrupts.deferred():
                self.on_failure(self.failures[-1])


class StartingDask:
    """A `DaskExecutor` still connecting in a background thread; `run` and `close` wait for it.

    A start that failed raises its `ExecutorError` from `run`; `close` then has nothing to
    release (the start closed what it had made).
    """

    def __init__(self, connect: Callable[[], DaskExecutor]) -> None:
        self.started: Future[DaskExecutor] = Future()
        self.started.set_running_or_notify_cancel()

        def starting() -> None:
            try:
                self.started.set_result(connect())
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for it
                self.started.set_exception(exc)

        threading.Thread(target=starting, name="grade-dask-start").start()

    def ready(self) -> DaskExecutor:
        """The connected executor (waits for the start; raises what it raised)."""
        return self.started.result()

    def run(
        self,
        jobs: Sequence[Job],
        on_result: OnResult,
        on_failure: Callable[[JobFailure], None] | None = None,
        retry_when: Callable[[ExerciseResult], bool] | None = None,
    ) -> list[JobFailure]:
        return self.ready().run(jobs, on_result, on_failure, retry_when)

    def close(self) -> None:
        try:
            executor = self.ready()
        except Exception:  # noqa: BLE001 - a failed start left nothing open
            return
        executor.close()


def _local_cluster(workers: int) -> LocalCluster:
    """`workers` processes on 127.0.0.1, one thread each."""
    try:
        with (
            main_module_hidden(),  # workers spawn without re-running the caller's script
            dask.config.set(LOCAL_CLUSTER_CONFIG),
        ):
            return LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
            )
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExecutorError(f"cannot start a local Dask cluster: {exc}") from None


def _client(scheduler: str) -> Client:
    try:
        return Client(scheduler, timeout=30)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None


def _count(scheduler: str) -> int:
    try:
        count = int(scheduler.removeprefix("local:"))
    except ValueError:
        count = 0
    if count < 1:
        raise ExecutorError(f"--scheduler local:N needs a positive N, not {scheduler!r}")
    return count
