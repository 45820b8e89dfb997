"""Per-run cost of the sandbox engines, side by side on the same submissions (issue 2).

    python benchmarks/engine.py                       # every exercise: reference + first mutant
    python benchmarks/engine.py --exercises exercise2 exercise10 --repeat 3 --no-spawn

One judge process per engine (the stdlib forkserver is one per process), one run at a time.
Every engine is started and warmed (one throwaway sandbox), and each judge grades an exercise
once untimed before timing it (loading its checks); then each submission is graded by every
engine in turn, so a change in the machine's load hits all columns alike. A run is
`run_exercise`: sandbox start, import, every check (public and hidden), scoring. Columns, in
seconds per run:

    checks     the same checks on the student's module imported into this process, warm, with
               one torch thread: the checks' own compute (judge side included), no sandbox
    forkserver the shipped engine: a fork of the torch-preloaded zygote per run
    spawn      the fallback: a fresh interpreter per run (imports torch every time)
    +1thread   (on request) forkserver with benchmarks/one_thread.py preloaded; sandboxes have
               one thread anyway now (see benchmarks/README.md on why this never loaded)
    +spare     (on request: --engines forkserver +spare) forkserver with a spare sandbox
               started ahead of each run (grader.judge.scoring.Spares), as batch workers and
               `grade validate` run

Each cell is the best of `--repeat` runs (the least disturbed by other work on the machine;
spawn: one run). "overhead" subtracts the `checks` column: what the sandbox costs beyond the
checks' own compute. The checks run with one thread, like the sandboxes: in-process with
torch's default two threads on a busy machine, the small tensors of these exercises spend most
of their time in contended thread hand-offs (exercise11: 1.1 s instead of 0.15 s while other
work ran), which would make the reference slower than the sandboxed runs.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from benchmarks.baseline import run_checks  # noqa: E402
from benchmarks.corpus import Variant, variants  # noqa: E402
from grader.judge.registry import Registry  # noqa: E402
from grader.judge.sandbox import PRELOAD, Engine  # noqa: E402
from grader.judge.scoring import Source, judge_threads, run_exercise  # noqa: E402
from grader.judge.spares import Spares  # noqa: E402
from grader.staff.jobs import warm_up  # noqa: E402

ENGINES: dict[str, Callable[[], Engine]] = {
    "forkserver": lambda: Engine("forkserver"),
    "spawn": lambda: Engine("spawn"),
    "+1thread": lambda: Engine("forkserver", preload=[*PRELOAD, "benchmarks.one_thread"]),
    "+spare": lambda: Engine(
        "forkserver"
    ),  # with grader.judge.scoring.Spares, as batch workers run
}


def submissions(registry: Registry, wanted: list[str], per_exercise: int) -> list[Variant]:
    """Each exercise's reference and its first mutants (`per_exercise` files in all)."""
    chosen = []
    for exercise in registry.exercises():
        if wanted and exercise.id not in wanted:
            continue
        found = variants(exercise)
        mutants = [v for v in found if v.kind == "mutant"]
        chosen += ([found[0]] + mutants)[:per_exercise] if found else []
    return chosen


def serve_variant(conn: Connection, name: str) -> None:
    """A process per engine variant (the stdlib forkserver is one per process): start and warm
    the engine, report how long that took, then time each submission the parent names."""
    registry = Registry(ROOT)
    judge_threads()
    begin = time.perf_counter()
    engine = ENGINES[name]()
    warm_up(engine)
    spares = Spares() if name == "+spare" else None
    conn.send(time.perf_counter() - begin)
    warmed: set[str] = set()
    while (request := conn.recv()) is not None:
        path, exercise_id, repeat = request
        exercise = registry.get(exercise_id)
        source = Source(Path(path).read_bytes(), f"{exercise_id}.py")
        if exercise_id not in warmed:  # the judge's first run of an exercise loads its checks
            run_exercise(engine, exercise, source, spares=spares)
            warmed.add(exercise_id)
        runs, scores = [], set()
        for _ in range(repeat):
            started = time.perf_counter()
            scores.add(run_exercise(engine, exercise, source, spares=spares).score)
            runs.append(time.perf_counter() - started)
        conn.send((min(runs), scores))


def time_sandboxed(
    names: list[str], subs: list[Variant], repeat: int
) -> tuple[dict[str, dict[str, float]], dict[str, float], list[str]]:
    """Seconds per run for each (engine, submission), interleaved; start-up times; score
    disagreements between engines."""
    context = get_context("spawn")
    conns, processes = {}, []
    started = {}
    for name in names:  # one at a time, so that each start-up is timed alone
        conns[name], child = context.Pipe()
        processes.append(context.Process(target=serve_variant, args=(child, name)))
        processes[-1].start()
        started[name] = conns[name].recv()
    costs: dict[str, dict[str, float]] = {name: {} for name in names}
    scores: dict[str, set[float]] = {}
    for sub in subs:
        for name, conn in conns.items():
            conn.send((str(sub.path), sub.exercise, 1 if name == "spawn" else repeat))
            costs[name][sub.label], found = conn.recv()
            scores.setdefault(sub.label, set()).update(found)
    for conn in conns.values():
        conn.send(None)
    for process in processes:
        process.join(timeout=30)
    return costs, started, [label for label, found in scores.items() if len(found) > 1]


def time_in_process(registry: Registry, subs: list[Variant], repeat: int) -> dict[str, float]:
    """Best seconds of the checks run in this process, one thread (after an untimed run)."""
    torch.set_num_threads(1)
    costs = {}
    for sub in subs:
        exercise = registry.get(sub.exercise)
        source = Source(sub.path.read_bytes(), f"{sub.exercise}.py")
        run_checks(exercise, source)
        runs = []
        for _ in range(repeat):
            begin = time.perf_counter()
            run_checks(exercise, source)
            runs.append(time.perf_counter() - begin)
        costs[sub.label] = min(runs)
    return costs


def render(
    subs: list[Variant], columns: dict[str, dict[str, float]], started: dict[str, float]
) -> list[str]:
    """The table: a row per submission, then medians, means, overheads and start-up times."""
    names = list(columns)
    width = max(len(sub.label) for sub in subs) + 2
    lines = ["".ljust(width) + "".join(f"{name:>12}" for name in names)]  # names <= 11
    for sub in subs:
        cells = "".join(f"{columns[name][sub.label]:12.3f}" for name in names)
        lines.append(sub.label.ljust(width) + cells)
    lines.append("-" * len(lines[0]))
    summary: dict[str, Callable[[str], float]] = {
        "median per run": lambda n: statistics.median(columns[n].values()),
        "mean per run": lambda n: statistics.fmean(columns[n].values()),
        "mean overhead": lambda n: statistics.fmean(
            columns[n][s.label] - columns["checks"][s.label] for s in subs
        ),
        "median overhead": lambda n: statistics.median(
            columns[n][s.label] - columns["checks"][s.label] for s in subs
        ),
        "engine start": lambda n: started.get(n, float("nan")),
    }
    for title, value in summary.items():
        lines.append(
            title.ljust(width)
            + "".join(
                f"{value(n):12.3f}" if n in started or title.endswith("run") else f"{'':>12}"
                for n in names
            )
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", nargs="*", default=[], help="default: every exercise")
    parser.add_argument(
        "--per-exercise",
        type=int,
        default=2,
        help="submissions per exercise: the reference, then mutants (default 2)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed runs per cell, the best counts (spawn: always 1; default 3)",
    )
    parser.add_argument("--no-spawn", action="store_true", help="skip the slow spawn engine")
    parser.add_argument(
        "--engines", nargs="*", default=["forkserver", "spawn"], choices=list(ENGINES)
    )
    args = parser.parse_args()
    print("$ python " + shlex.join(["benchmarks/engine.py", *sys.argv[1:]]))
    print(
        f"machine: {len(os.sched_getaffinity(0))} cores, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} torch threads by default",
        flush=True,
    )
    registry = Registry(ROOT)
    subs = submissions(registry, args.exercises, args.per_exercise)
    names = [n for n in args.engines if not (args.no_spawn and n == "spawn")]
    sandboxed, started, disagreements = time_sandboxed(names, subs, args.repeat)
    columns = {"checks": time_in_process(registry, subs, args.repeat), **sandboxed}
    print(
        f"seconds per run, {len(subs)} submissions, best of {args.repeat} (spawn: 1 run); "
        "overhead = engine - checks"
    )
    print("\n".join(render(subs, columns, started)))
    if disagreements:
        print("SCORES DIFFER between engines for: " + ", ".join(disagreements))
        return 1
    print("every engine gave every submission the same score")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
