"""`grade batch` against the notebook graders' baseline, side by side in one run (issue 4).

    python benchmarks/batch.py                                  # 200 students, 24 baseline runs
    python benchmarks/batch.py --students 20 --baseline-sample 12 --keep /tmp/bench

1. Synthetic students (benchmarks/corpus.py): every student hands in every exercise, about half
   reference copies or alternatives, half known-wrong mutants; every file unique.
2. `grade batch` runs for real on all of them (the command line, a fresh gradebook, all cores),
   while a sampler sums the memory (PSS) of its whole process tree: parent, judges, zygotes,
   sandboxes.
3. The baseline that notebook graders use: a fresh interpreter per (student, exercise) that
   imports torch, imports the student's file and runs the same checks (benchmarks/baseline.py).
   At ~1.5 s or more a run, all of them would take an hour, so a sample spread over the
   exercises is measured and extrapolated to every run: the output says so. The sampled scores
   must equal the batch's.
4. The checks' own compute: each distinct file's checks run in this process, warm, one thread.
   Overhead per run = a run's time in the sandbox (its `elapsed_s`) minus that compute.
5. Where a run's time goes (benchmarks/breakdown.py): one judge in this process grades each
   exercise's reference and first mutant one at a time, every phase timed (start, import,
   requests, student code, judge code, close), with the CPU time of judge and sandboxes.

The targets of issue 16 are printed against the figures: judge time per run (wall time x
judges / runs) at most 40 ms, at least 90x the serial baseline, peak PSS at most 1.2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import breakdown  # noqa: E402
from benchmarks.corpus import Variant, build_students  # noqa: E402
from grader.judge.registry import Registry  # noqa: E402
from grader.outputs.models import BatchResult, ExerciseResult  # noqa: E402

Key = tuple[str, str]  # (student, exercise)


@dataclass
class MemorySampler:
    """Polls a process tree's memory from /proc until stopped; keeps the peaks."""

    root_pid: int
    peak_pss: int = 0
    peak_rss: int = 0
    peak_processes: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.wait(0.25):
            pids = [self.root_pid, *descendants(self.root_pid)]
            pss = sum(read_kib(pid, "smaps_rollup", "Pss:") for pid in pids)
            rss = sum(read_kib(pid, "status", "VmRSS:") for pid in pids)
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self.peak_processes = max(self.peak_processes, len(pids))


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def read_kib(pid: int, name: str, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def count_rows(db: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
    except sqlite3.Error:
        return 0


def run_grade_batch(
    folder: Path, db: Path, workers: int, total: int
) -> tuple[BatchResult, float, MemorySampler]:
    """The real command, timed, its memory sampled, its progress echoed every 30 s."""
    command = [
        sys.executable,
        "-m",
        "grader.cli",
        "batch",
        str(folder),
        "--db",
        str(db),
        "--json",
        "--root",
        str(ROOT),
        "--device",
        "cpu",
    ]
    command += ["--workers", str(workers)] if workers else []
    print("  $ " + shlex.join(["grade", *command[3:]]), flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = MemorySampler(process.pid)
    threading.Thread(target=sampler.run, daemon=True).start()
    reader = threading.Thread(target=lambda: outputs.extend(process.communicate()), daemon=True)
    outputs: list[str] = []
    reader.start()
    while reader.is_alive():
        reader.join(30)
        if reader.is_alive():
            done = count_rows(db)
            print(
                f"  ... {done}/{total} graded after {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    wall = time.perf_counter() - started
    sampler.stop.set()
    if process.returncode != 0:
        raise SystemExit(f"grade batch failed ({process.returncode}):\n{outputs[1][-3000:]}")
    return BatchResult.model_validate_json(outputs[0]), wall, sampler


def sample_keys(keys: list[Key], exercises: list[str], size: int) -> list[Key]:
    """`size` runs spread evenly over the exercises, each from a different student."""
    by_exercise = {e: [k for k in keys if k[1] == e] for e in exercises}
    chosen: list[Key] = []
    for n in range(size):
        exercise = exercises[n % len(exercises)]
        pool = by_exercise[exercise]
        chosen.append(pool[(n * 37 + n // len(exercises)) % len(pool)])
    return chosen


def run_baseline(folder: Path, keys: list[Key]) -> dict[Key, tuple[float, float]]:
    """Each sampled run in a fresh interpreter: (seconds, score)."""
    measured = {}
    for student, exercise in keys:
        path = folder / student / f"{exercise}.py"
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "baseline.py"),
                str(ROOT),
                exercise,
                str(path),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - started
        measured[(student, exercise)] = (seconds, json.loads(done.stdout)["score"])
    return measured


def checks_compute(registry: Registry, variants: set[Variant]) -> dict[Variant, float]:
    """Each distinct file's checks in this process, warm, one thread: best of two runs."""
    import torch

    from benchmarks.baseline import run_checks
    from grader.judge.scoring import Source

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")  # mutants trip torch's warnings; they are not the point here
    costs = {}
    for variant in sorted(variants, key=lambda v: v.label):
        exercise = registry.get(variant.exercise)
        source = Source(variant.path.read_bytes(), f"{variant.exercise}.py")
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            run_checks(exercise, source)
            runs.append(time.perf_counter() - started)
        costs[variant] = min(runs[1:])
    return costs


def results_by_key(batch: BatchResult) -> dict[Key, ExerciseResult]:
    return {(sub.student, ex.exercise): ex for sub in batch.submissions for ex in sub.exercises}


def correctness(
    results: dict[Key, ExerciseResult],
    chosen: dict[Key, Variant],
    baseline: dict[Key, tuple[float, float]],
) -> list[str]:
    """References at full marks, mutants below, baseline scores equal: counts as lines."""
    right = [k for k, v in chosen.items() if v.kind != "mutant"]
    wrong = [k for k, v in chosen.items() if v.kind == "mutant"]
    full = sum(1 for k in right if k in results and results[k].score == results[k].max_score)
    caught = sum(1 for k in wrong if k in results and results[k].score < results[k].max_score)
    agree = sum(
        1 for k, (_, score) in baseline.items() if k in results and results[k].score == score
    )
    odd = [k for k in right if k in results and results[k].score < results[k].max_score]
    odd += [k for k in wrong if k in results and results[k].score >= results[k].max_score]
    details = [
        f"  unexpected: {k[0]} {chosen[k].label}: {results[k].score:g}/"
        f"{results[k].max_score:g}, "
        + "; ".join(
            f"{c.name} {c.status}: {c.feedback.splitlines()[0][:120] if c.feedback else ''}"
            for c in results[k].checks
            if c.status != "passed"
        )
        for k in odd[:10]
    ]
    return [
        f"graded: {len(results)} of {len(chosen)} runs",
        f"reference copies and alternatives at full marks: {full} of {len(right)}",
        f"mutants below full marks: {caught} of {len(wrong)}",
        f"baseline sample scored the same as grade batch: {agree} of {len(baseline)}",
        *details,
    ]


def overheads(
    results: dict[Key, ExerciseResult], chosen: dict[Key, Variant], compute: dict[Variant, float]
) -> list[float]:
    """Per run: seconds in the sandbox machinery beyond the checks' own compute."""
    return [results[k].elapsed_s - compute[v] for k, v in chosen.items() if k in results]


TARGET_JUDGE_MS = 40.0  # issue 16: judge time per run, on average
TARGET_SPEED_UP = 90.0  # issue 16: times the serial fresh-interpreter baseline
TARGET_PSS_MIB = 1.2 * 1024  # issue 16: peak PSS of the whole tree, no higher than before


def targets(runs: int, workers: int, wall: float, serial: float, pss_mib: float) -> list[str]:
    """Each target of issue 16 against this run's figure: met or not."""
    judge_ms = wall * workers / runs * 1000
    rows = [
        ("judge time per run", f"{judge_ms:.1f} ms", f"<= {TARGET_JUDGE_MS:.0f} ms",
         judge_ms <= TARGET_JUDGE_MS),
        ("speed-up, serial baseline", f"{serial / wall:.1f}x", f">= {TARGET_SPEED_UP:.0f}x",
         serial / wall >= TARGET_SPEED_UP),
        ("peak PSS, whole tree", f"{pss_mib:.0f} MiB", f"<= {TARGET_PSS_MIB:.0f} MiB",
         pss_mib <= TARGET_PSS_MIB),
    ]  # fmt: skip
    return [
        f"target: {name:<26} {got:>10}  (issue 16: {want}) {'met' if ok else 'NOT met'}"
        for name, got, want, ok in rows
    ]


def table(rows: list[tuple[str, str, str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def report(
    runs: int,
    workers: int,
    wall: float,
    sampler: MemorySampler,
    baseline: dict[Key, tuple[float, float]],
    extra: list[float],
    compute_mean: float,
) -> list[str]:
    cores = len(os.sched_getaffinity(0))
    per_run = statistics.fmean(seconds for seconds, _ in baseline.values())
    serial = per_run * runs
    ranked = sorted(extra)
    throughput_extra = wall * workers / runs - compute_mean
    rows = [
        ("", "grade batch", "baseline: fresh interpreter per run"),
        ("runs", f"{runs}, all measured", f"{len(baseline)} measured, {runs} extrapolated"),
        (
            "wall time, all runs",
            f"{wall:.1f} s",
            f"{serial:.0f} s serial, {serial / cores:.0f} s if {cores} ran at a time (estimates)",
        ),
        (
            "per (student, exercise)",
            f"{wall / runs * 1000:.0f} ms wall, {wall * workers / runs * 1000:.0f} ms per judge",
            f"{per_run * 1000:.0f} ms (sample mean)",
        ),
        (
            "speed-up",
            f"{serial / wall:.1f}x the serial baseline, "
            f"{serial / cores / wall:.1f}x the baseline {cores} at a time",
            "",
        ),
        (
            "peak memory (whole tree)",
            f"{sampler.peak_pss / 1024:.0f} MiB PSS "
            f"({sampler.peak_rss / 1024:.0f} MiB RSS summed, {sampler.peak_processes} processes)",
            "",
        ),
        (
            "overhead beyond checks",
            f"median {statistics.median(ranked) * 1000:.0f} ms, mean "
            f"{statistics.fmean(ranked) * 1000:.0f} ms, "
            f"p90 {ranked[len(ranked) * 9 // 10] * 1000:.0f}"
            " ms per run (sandboxed run - in-process checks)",
            "",
        ),
        (
            "  at batch throughput",
            f"{throughput_extra * 1000:.0f} ms per run (judge-seconds per "
            f"run - mean checks compute {compute_mean * 1000:.0f} ms)",
            "",
        ),
    ]
    return table(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=24,
        help="baseline runs measured, spread over the exercises (default 24)",
    )
    parser.add_argument("--workers", type=int, default=0, help="judges (default: all cores)")
    parser.add_argument("--keep", type=Path, help="build the students and gradebook here")
    parser.add_argument(
        "--breakdown-per-exercise",
        type=int,
        default=2,
        help="files per exercise timed phase by phase after the batch (0: no breakdown)",
    )
    args = parser.parse_args()
    print("$ python " + shlex.join(["benchmarks/batch.py", *sys.argv[1:]]))
    import torch

    print(
        f"machine: {len(os.sched_getaffinity(0))} cores, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, torch {torch.__version__}"
    )
    work = args.keep or Path(tempfile.mkdtemp(prefix="grade-bench-"))
    try:
        return measure(args, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def measure(args: argparse.Namespace, work: Path) -> int:
    registry = Registry(ROOT)
    folder, db = work / "submissions", work / "gradebook.sqlite"
    chosen = build_students(registry, folder, args.students)
    exercises = sorted({e for _, e in chosen}, key=registry.ids().index)
    mutants = sum(1 for v in chosen.values() if v.kind == "mutant")
    print(
        f"synthetic course: {args.students} students x {len(exercises)} exercises = "
        f"{len(chosen)} runs ({len(chosen) - mutants} reference copies or alternatives, "
        f"{mutants} mutants)\n1. grade batch, for real:",
        flush=True,
    )
    from grader.staff.batch import default_workers

    workers = args.workers or default_workers()
    batch, wall, sampler = run_grade_batch(folder, db, args.workers, len(chosen))
    sample = sample_keys(sorted(chosen), exercises, args.baseline_sample)
    print(f"2. baseline, {len(sample)} sampled runs, one at a time:", flush=True)
    baseline = run_baseline(folder, sample)
    print("3. the checks' own compute, in this process:", flush=True)
    compute = checks_compute(registry, set(chosen.values()))
    results = results_by_key(batch)
    compute_mean = statistics.fmean(compute[v] for v in chosen.values())
    lines = report(
        len(chosen),
        workers,
        wall,
        sampler,
        baseline,
        overheads(results, chosen, compute),
        compute_mean,
    )
    serial = statistics.fmean(seconds for seconds, _ in baseline.values()) * len(chosen)
    lines += ["", *targets(len(chosen), workers, wall, serial, sampler.peak_pss / 1024)]
    if args.breakdown_per_exercise:
        print("4. where a run's time goes, one judge in this process:", flush=True)
        subs = breakdown.sample(registry, [], args.breakdown_per_exercise)
        lines += ["", *breakdown.render(breakdown.measure(registry, subs, rounds=1))]
    print("\n".join(["", *lines, "", *correctness(results, chosen, baseline)]))
    print(
        f"the baseline was NOT run in full: {len(sample)} runs were measured, spread evenly "
        f"over the {len(exercises)} exercises, and their mean multiplied by {len(chosen)}"
    )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    agree = all(k in results and results[k].score == score for k, (_, score) in baseline.items())
    return 0 if agree and len(results) == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main())
