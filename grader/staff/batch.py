"""Grading many students at once: parallel judge workers, each with its own zygote.

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
  recorded: limits are wall-clock, so a machine busy with other work can push an honest
  submission over them. A submission that really loops costs its limits twice.
- Ctrl-C: workers ignore SIGINT; the parent stops them and re-raises `KeyboardInterrupt`,
  but never in the middle of `on_result`, so a result being recorded is recorded whole.
- Workers die with the parent (PR_SET_PDEATHSIG on Linux); their zygotes exit when their
  worker does, and sandboxes with their zygote. A batch killed with SIGKILL leaves nothing
  running.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import hashlib
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Any

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine, EngineError, EngineMode, Sandbox, main_module_hidden
from grader.judge.scoring import Source, judge_threads, run_exercise
from grader.judge.spares import Spares
from grader.outputs.models import BatchResult, ExerciseResult, Limits
from grader.staff.claims import lease
from grader.staff.gradebook import BatchTicket, Gradebook, Wanted, content_hash
from grader.staff.intake import Intake, SourceFile, StudentSubmission, read_submissions

WORKER_START_S = 300.0  # a fresh judge imports torch and starts its zygote (seconds, loaded)
JOB_GRACE_S = 30.0  # judge-side work beyond the sandbox's own limits (loading checks, diagnoses)
TRIES = 2  # a job whose worker died is tried on a fresh worker once more
CLAIM_TTL_S = 120.0  # a batch's claims outlive its last heartbeat by this much (other hosts)
CLAIM_RENEW_S = 20.0  # how often a running batch renews them
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Job:
    """One (student, exercise) to grade; `timeout_s` bounds the whole job, judge included."""

    student: str
    exercise: str
    data: bytes
    filename: str
    timeout_s: float = 120.0


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


def default_workers() -> int:
    """One judge per core this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def job_timeout(limits: Limits) -> float:
    """The parent's deadline for one job: the sandbox's budget plus the judge's own work."""
    return limits.import_s + limits.total_s + JOB_GRACE_S


# --- worker side ----------------------------------------------------------------------------


def serve(conn: Connection, settings: Settings) -> None:
    """A worker process: start a zygote, then grade each job the parent sends until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    judge_threads()
    try:
        registry = Registry(Path(settings.root))
        engine = Engine(settings.engine)
        warm_up(engine)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the batch
        conn.send(("fatal", f"a judge could not start: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", ""))
    spares = Spares()
    try:
        while True:
            try:
                job = conn.recv()
            except EOFError:
                return
            if job is None:
                return
            conn.send(grade_job(registry, engine, settings, job, spares))
    finally:
        spares.close()


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
) -> tuple[str, str]:
    """Worker side: ("result", ExerciseResult JSON), ("failed", why) or ("fatal", why)."""
    try:
        exercise = registry.get(job.exercise)
        limits = settings.overrides.apply(exercise.meta.limits)
        result = run_exercise(
            engine,
            exercise,
            Source(job.data, job.filename),
            device=settings.device,
            include_hidden=settings.include_hidden,
            limits=limits,
            spares=spares,
        )
    except EngineError as exc:
        return "fatal", f"the grading engine cannot make sandboxes: {exc}"
    except Exception as exc:  # noqa: BLE001 - a judge bug costs this job, not the batch
        return "failed", f"the judge raised {type(exc).__name__}: {exc}"[:500]
    return "result", result.model_dump_json()


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
class _Interrupts:
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
def _interrupt_handler(interrupts: _Interrupts) -> Iterator[None]:
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
        with _interrupt_handler(run.interrupts):
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
    interrupts: _Interrupts = field(default_factory=_Interrupts)
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
                    self.handle(worker, *message)
            elif worker.process.sentinel in ready:
                self.lost(worker, _death(worker))
            elif time.monotonic() > worker.deadline:
                job = worker.job
                what = f"took longer than {job.timeout_s:g} s" if job else "did not start"
                self.lost(worker, f"the judge {what} and was stopped")

    def handle(self, worker: _Worker, kind: str, payload: str) -> None:
        if kind == "fatal":
            raise EngineError(payload)
        if kind == "ready":
            worker.ready = True
            return
        job, worker.job = worker.job, None
        if job is None:
            return
        if kind != "result":
            self.give_up(job, payload)
            return
        result = ExerciseResult.model_validate_json(payload)
        if self.retry_when is not None and worker.tries < TRIES and self.retry_when(result):
            self.pool.queue.append((job, worker.tries + 1))
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


def _receive(worker: _Worker) -> tuple[str, str] | None:
    try:
        message: tuple[str, str] = worker.conn.recv()
    except (EOFError, OSError):
        return None
    return message


def _death(worker: _Worker) -> str:
    worker.process.join(timeout=1)
    code = worker.process.exitcode
    if code is not None and code < 0:
        return f"the judge process was killed by {signal.Signals(-code).name}"
    return f"the judge process exited (code {code})"


def timed_out(result: ExerciseResult) -> bool:
    """Some check hit a wall-clock or CPU limit: on a loaded machine, worth one more try."""
    return any(check.status == "timeout" for check in result.checks)


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
) -> BatchResult:
    """Grade a term's submission folder into the gradebook; return the current grades.

    Only what changed since the last run is graded (content hash or exercise version)
    unless `regrade`. Each result is committed as it completes, so an interrupted batch
    (Ctrl-C, SIGKILL) loses nothing that finished, and a re-run grades only the rest.
    `progress(total)` may return a callback called once per finished job. A timeout is
    confirmed by a second run before it is recorded. A job the grader could not finish is not
    recorded (a re-run tries it again) and is named in the warnings.

    The batch claims each (student, exercise) in the gradebook before grading it; pairs that
    another live batch holds are skipped, tried once more when this batch's own work is done
    (their batch may have died), and counted in the warnings.
    """
    intake = read_submissions(folder, registry.ids(), roster)
    db_path = db_path or folder.resolve().parent / "gradebook.sqlite"
    with Gradebook(db_path) as book, _registered(book, db_path) as ticket:
        files = _changed_files(registry, intake, book, regrade)
        advance: Callable[[], None] = lambda: None  # noqa: E731 - replaced per round

        def record(job: Job, result: ExerciseResult) -> None:
            student, source, digest = files[(job.student, job.exercise)]
            book.record(
                student.student,
                result,
                content_hash=digest,
                exercise_version=registry.get(job.exercise).meta.version,
                name=student.display_name,
                late=source.late,
                notes=[*student.notes, *source.notes],
                since=ticket.since if regrade else 0,
            )
            advance()

        def given_up(failure: JobFailure) -> None:
            advance()

        before = fingerprints(registry, {exercise for _, exercise in files})
        failures: list[JobFailure] = []
        wanted = [
            Wanted(sid, ex, digest, registry.get(ex).meta.version)
            for (sid, ex), (_, _, digest) in sorted(files.items())
        ]
        busy: tuple[Wanted, ...] = ()
        while wanted:
            outcome = book.claim(ticket, wanted, regrade=regrade)
            busy, wanted = outcome.busy, list(outcome.busy)
            mine = {(item.student, item.exercise) for item in outcome.claimed}
            if not mine:
                break
            jobs = [
                Job(
                    sid,
                    ex,
                    source.data,
                    f"{ex}.py",
                    job_timeout(settings.overrides.apply(registry.get(ex).meta.limits)),
                )
                for (sid, ex), (_, source, _) in sorted(files.items(), key=_by_exercise(registry))
                if (sid, ex) in mine
            ]
            advance = progress(len(jobs)) if progress is not None else (lambda: None)
            failures += run_jobs(jobs, settings, workers, record, given_up, retry_when=timed_out)
    grades = _latest(db_path)
    problems = [
        f"{f.job.student}: {f.job.exercise} not graded: {f.reason}; run the batch again"
        for f in failures
    ]
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
    return _with_intake(grades, intake, problems)


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


def _latest(db_path: Path) -> BatchResult:
    with Gradebook(db_path) as book:
        return book.latest()


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
    registry: Registry, intake: Intake, book: Gradebook, regrade: bool
) -> dict[tuple[str, str], tuple[StudentSubmission, SourceFile, str]]:
    """Every (student, exercise) whose file or exercise version changed (all when `regrade`)."""
    files: dict[tuple[str, str], tuple[StudentSubmission, SourceFile, str]] = {}
    for student in intake.students:
        book.add_student(student.student, student.display_name)
        for source in student.files:
            digest = content_hash(source.data)
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
