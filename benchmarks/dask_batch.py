"""`grade batch` on the local pool against `grade batch --scheduler local:N` (issue 15).

    python benchmarks/dask_batch.py                         # 20 students x 12 exercises
    python benchmarks/dask_batch.py --students 5 --workers 2 --keep /tmp/bench

1. Synthetic students (benchmarks/corpus.py), the same files for both runs.
2. The real command twice, each with a fresh gradebook: the local pool of N judges, then a Dask
   `LocalCluster` of N worker processes (one thread each) on 127.0.0.1. Wall time includes
   each one's start-up (judges and zygotes; for Dask also the scheduler and the nannies).
3. Dask's own cost per task: N no-op tasks through the same kind of cluster, submitted at once
   and gathered with `as_completed`, as the executor does.
The scores of the two gradebooks must be equal; the load average is printed at both ends.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_students  # noqa: E402
from grader.judge.registry import Registry  # noqa: E402
from grader.outputs.models import BatchResult  # noqa: E402


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def grade_batch(folder: Path, db: Path, workers: int, scheduler: str | None) -> tuple[float, dict]:
    command = [sys.executable, "-m", "grader.cli", "batch", str(folder), "--db", str(db)]
    command += ["--json", "--root", str(ROOT), "--device", "cpu", "--workers", str(workers)]
    command += ["--scheduler", scheduler] if scheduler else []
    print("  $ " + shlex.join(["grade", *command[3:]]), flush=True)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"grade batch failed ({done.returncode}):\n{done.stderr[-3000:]}")
    batch = BatchResult.model_validate_json(done.stdout)
    scores = {(s.student, e.exercise): e.score for s in batch.submissions for e in s.exercises}
    return wall, scores


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--noop-tasks", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="build the students and gradebooks here")
    args = parser.parse_args()
    print("$ python " + shlex.join(["benchmarks/dask_batch.py", *sys.argv[1:]]))
    print(f"machine: {len(os.sched_getaffinity(0))} cores, load average {load()}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="grade-dask-bench-"))
    try:
        chosen = build_students(Registry(ROOT), work / "submissions", args.students)
        runs = len(chosen)
        print(f"synthetic course: {args.students} students, {runs} runs, {args.workers} workers")
        print("1. local pool:", flush=True)
        local_wall, local_scores = grade_batch(
            work / "submissions", work / "local.sqlite", args.workers, None
        )
        print(f"2. Dask, --scheduler local:{args.workers}:", flush=True)
        dask_wall, dask_scores = grade_batch(
            work / "submissions", work / "dask.sqlite", args.workers, f"local:{args.workers}"
        )
        print(f"3. Dask's cost per task ({args.noop_tasks} no-op tasks):", flush=True)
        per_task = task_overhead(args.workers, args.noop_tasks)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    same = local_scores == dask_scores and len(local_scores) == runs
    print()
    print(f"local pool   {local_wall:7.1f} s wall, {local_wall / runs * 1000:5.0f} ms per run")
    print(f"Dask         {dask_wall:7.1f} s wall, {dask_wall / runs * 1000:5.0f} ms per run")
    print(f"ratio        Dask / local = {dask_wall / local_wall:.2f} (target <= 1.15)")
    print(
        f"scheduling   {per_task * 1000:.2f} ms per no-op task; wall difference "
        f"{(dask_wall - local_wall) / runs * 1000:.0f} ms per run (start-up included)"
    )
    print(f"scores equal on both: {same} ({len(dask_scores)} of {runs} runs graded on Dask)")
    print(f"load average at the end: {load()}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
