"""What one Gradescope run costs: wall time and peak memory of `run_autograder`'s process tree.

    python benchmarks/gradescope.py [--exercises exercise2 exercise11] [--repeat 3]

Builds the autograder zip, lays it out in a temporary root as Gradescope does, and runs the
installed grader's `grade gradescope-run` on the reference solutions (the most work a correct
upload causes: every check runs). Gradescope's default container has 768 MB; the memory that
counts there is the container's, where each page counts once: the figure to compare is the
PSS summed over the whole tree (judge, zygote, sandboxes); summed RSS, an upper bound, beside it.
Prints the load average: figures on a busy machine are not comparable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.batch import MemorySampler  # noqa: E402
from grader.judge.registry import Registry  # noqa: E402
from grader.platforms.gradescope import ROOT_ENV, build_autograder, lay_out  # noqa: E402

GRADESCOPE_DEFAULT_MB = 768


def one_run(
    zip_path: Path, work: Path, registry: Registry, exercises: list[str]
) -> tuple[float, int, int]:
    root = Path(tempfile.mkdtemp(dir=work))
    lay_out(zip_path, root)
    for exercise_id in exercises:
        solution = registry.get(exercise_id).solution
        assert solution is not None
        (root / "submission" / f"{exercise_id}.py").write_bytes(solution.read_bytes())
    env = {**os.environ, ROOT_ENV: str(root), "PYTHONPATH": str(ROOT)}  # this checkout's grader
    started = time.perf_counter()
    proc = subprocess.Popen([str(root / "run_autograder")], env=env, stdout=subprocess.DEVNULL)
    sampler = MemorySampler(proc.pid)
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    proc.wait()
    wall = time.perf_counter() - started
    sampler.stop.set()
    thread.join()
    if proc.returncode != 0 or not (root / "results" / "results.json").is_file():
        raise SystemExit(f"run_autograder failed (exit {proc.returncode})")
    return wall, sampler.peak_rss, sampler.peak_pss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", nargs="+", default=["exercise2", "exercise11"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    registry = Registry(ROOT)
    with tempfile.TemporaryDirectory(prefix="grade-bench-gs-") as folder:
        work = Path(folder)
        zip_path = build_autograder(registry, args.exercises, work / "autograder.zip")
        runs = [one_run(zip_path, work, registry, args.exercises) for _ in range(args.repeat)]
    walls = [w for w, _, _ in runs]
    rss = max(r for _, r, _ in runs) / 1024
    pss = max(p for _, _, p in runs) / 1024
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"run_autograder on the references of {', '.join(args.exercises)}, {args.repeat} runs")
    print(f"load average: {load}")
    median, low, high = statistics.median(walls), min(walls), max(walls)
    print(f"wall: median {median:.2f} s (min {low:.2f}, max {high:.2f})")
    print(f"peak memory of the tree: {rss:.0f} MiB RSS, {pss:.0f} MiB PSS")
    # A container's limit counts each page once, as PSS summed over the tree does; summed RSS
    # counts the zygote's torch pages again in every fork, so it is only an upper bound.
    share = pss / GRADESCOPE_DEFAULT_MB
    print(f"against Gradescope's default {GRADESCOPE_DEFAULT_MB} MB: {share:.0%} of it (PSS)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
