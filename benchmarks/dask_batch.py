"""`grade batch` on the local pool against `grade batch --scheduler local:N` (issue 15).

    python benchmarks/dask_batch.py                         # 60 students x 12 exercises
    python benchmarks/dask_batch.py --students 5 --workers 2 --keep /tmp/bench

1. Synthetic students (benchmarks/corpus.py, as benchmarks/batch.py), the same files for both.
2. The real command on each side, each with a fresh gradebook: the local pool of N judges, then
   a Dask `LocalCluster` of N worker processes (one thread each) on 127.0.0.1. With
   `--rounds 2` (the default) the order is local, Dask, Dask, local, so load that drifts
   during the run weighs on both sides alike; each side's figures are its best round.
   While a run goes, its gradebook is polled every 20 ms, which splits its wall time into
   - start-up: launch to the first recorded result (the command's imports, intake, the
     gradebook diff, judges and zygotes; for Dask also the scheduler, the nannies, the
     workers' imports of dask and the judge plugin), paid once per batch;
   - grading: first result to last, divided by the runs after the first: the cost per run
     that scales with the course;
   - wind-down: last result to exit (stopping judges or the cluster, writing the report).
   CPU time (user + sys) is what the command and the processes it waited for used.
3. Dask's own cost per task: no-op tasks through the same kind of cluster, submitted at once
   and gathered with `as_completed`, as the executor does.
The scores of the gradebooks must be equal; the load average is printed at both ends.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_students  # noqa: E402
from grader.judge.registry import Registry  # noqa: E402
from grader.outputs.models import BatchResult  # noqa: E402

POLL_S = 0.02


@dataclass(frozen=True)
class Run:
    """One `grade batch` command, timed from outside."""

    wall: float
    first: float  # launch to the first recorded result
    last: float  # launch to the last recorded result
    cpu: float  # user + sys of the command and the children it reaped
    runs: int
    scores: dict[tuple[str, str], float]

    @property
    def per_run(self) -> float:
        """Seconds per run while grading (first result to last)."""
        return (self.last - self.first) / max(1, self.runs - 1)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def recorded(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet, or busy: look again
        return 0


def grade_batch(folder: Path, db: Path, workers: int, scheduler: str | None) -> Run:
    command = [sys.executable, "-m", "grader.cli", "batch", str(folder), "--db", str(db)]
    command += ["--json", "--root", str(ROOT), "--device", "cpu", "--workers", str(workers)]
    command += ["--scheduler", scheduler] if scheduler else []
    print("  $ " + shlex.join(["grade", *command[3:]]), flush=True)
    for leftover in ("", "-wal", "-shm", "-journal"):  # a fresh gradebook: no stale WAL beside it
        db.with_name(db.name + leftover).unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        first = last = 0.0
        seen = 0
        while process.poll() is None:
            now = recorded(db)
            if now > seen:
                seen, last = now, time.perf_counter() - started
                first = first or last
            time.sleep(POLL_S)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"grade batch failed ({process.returncode}):\n{stderr[-3000:]}")
    if recorded(db) > seen:  # the last rows landed between two polls and the exit
        seen, last = recorded(db), wall
        first = first or last
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    batch = BatchResult.model_validate_json(stdout)
    scores = {(s.student, e.exercise): e.score for s in batch.submissions for e in s.exercises}
    return Run(wall, first, last, cpu, seen, scores)


def task_overhead(workers: int, tasks: int) -> float:
    """Seconds per no-op task on a LocalCluster like the executor's (submit, run, gather)."""
    from distributed import Client, LocalCluster, as_completed

    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster) as client,
    ):
        client.submit(int, 0).result()  # warm
        started = time.perf_counter()
        futures = [client.submit(int, n, pure=False) for n in range(tasks)]
        for future in as_completed(futures):
            future.result()
        return (time.perf_counter() - started) / tasks


def line(name: str, run: Run) -> str:
    return (
        f"{name:<12}{run.wall:7.1f} s wall {run.cpu:7.1f} s CPU | start-up {run.first:5.1f} s"
        f" | grading {run.per_run * 1000:5.1f} ms per run | wind-down {run.wall - run.last:4.1f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--rounds", type=int, default=2, help="runs of each side (ABBA order)")
    parser.add_argument("--noop-tasks", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="build the students and gradebooks here")
    args = parser.parse_args()
    print("$ python " + shlex.join(["benchmarks/dask_batch.py", *sys.argv[1:]]))
    print(f"machine: {len(os.sched_getaffinity(0))} cores, load average {load()}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="grade-dask-bench-"))
    scheduler = f"local:{args.workers}"
    sides: dict[str, list[Run]] = {"local pool": [], "Dask": []}
    order = [name for r in range(args.rounds) for name in (sides if r % 2 == 0 else [*sides][::-1])]
    try:
        chosen = build_students(Registry(ROOT), work / "submissions", args.students)
        runs = len(chosen)
        print(f"synthetic course: {args.students} students, {runs} runs, {args.workers} workers")
        for number, name in enumerate(order, 1):
            print(f"{number}. {name} (load average {load()}):", flush=True)
            dask = name == "Dask"
            db = work / f"{'dask' if dask else 'local'}.sqlite"
            run = grade_batch(work / "submissions", db, args.workers, scheduler if dask else None)
            print("  " + line(name, run), flush=True)
            sides[name].append(run)
        print(
            f"{len(order) + 1}. Dask's cost per task ({args.noop_tasks} no-op tasks):", flush=True
        )
        per_task = task_overhead(args.workers, args.noop_tasks)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    local, dask = (min(sides[name], key=lambda run: run.wall) for name in sides)
    every = [run for name in sides for run in sides[name]]
    same = all(run.scores == local.scores and run.runs == runs for run in every)
    print()
    print(f"best of {args.rounds} per side, {runs} runs each:")
    print(line("local pool", local))
    print(line("Dask", dask))
    print(
        f"ratio        Dask / local = {dask.wall / local.wall:.2f} wall (target <= 1.15), "
        f"{dask.cpu / local.cpu:.2f} CPU"
    )
    print(f"start-up     Dask {dask.first - local.first:+.1f} s against the local pool")
    print(f"grading      Dask / local = {dask.per_run / local.per_run:.2f} per run")
    print(f"wind-down    Dask {(dask.wall - dask.last) - (local.wall - local.last):+.1f} s")
    print(f"scheduling   {per_task * 1000:.2f} ms per no-op task")
    print(f"scores equal on every run: {same} ({dask.runs} of {runs} runs recorded on Dask)")
    print(f"load average at the end: {load()}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
