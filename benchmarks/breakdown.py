"""Where a sandboxed run's time goes: start, import, requests, student code, judge code, close.

    python benchmarks/breakdown.py                      # every exercise's variants, 2 rounds
    python benchmarks/breakdown.py --rounds 3 --exercises exercise2 exercise10

One judge in this process grades the submissions one after another, with a spare sandbox as a
batch worker does (`grader.judge.spares.Spares`), and times each phase from the judge's side by
wrapping the sandbox handle's methods (this script only; nothing in the grader is changed):

    start      taking the spare (waiting for it to be ready), or starting a sandbox, plus
               launching the next spare (the fork request; its lock-down runs in parallel)
    import     the import request (the student's module runs its top level)
    requests   every call and probe request, round trip, minus the student code below
    student    the same calls and probes run in this process on the imported module, warm
               (CPU time, one thread): what the sandbox computes, without a sandbox
    judge      the checks' own code in the judge: everything in `run_exercise` that is not a
               request, a start or a close (reference answers, comparisons, diagnoses, scoring)
    close      killing the sandbox and removing its folder (the cgroup is removed in the
               background)

`sandbox CPU` is the CPU time of the zygote and its sandboxes (waiter, namespace init and
sandbox together, lock-down and exit included) per run (`ZygoteClock`); `judge CPU` the judge
process's own (threads
included). Their sum is what a batch pays per run on its cores, whatever else the machine
runs: the figure to compare across variants on a loaded machine (wall times are not).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.baseline import InProcessSubmission  # noqa: E402
from benchmarks.corpus import Variant, variants  # noqa: E402
from grader.judge import sandbox as sandbox_module  # noqa: E402
from grader.judge import spares as spares_module  # noqa: E402
from grader.judge.registry import Registry  # noqa: E402
from grader.judge.scoring import Source, _read_source, _run_check, judge_threads, run_exercise  # noqa: E402

PHASES = ("start", "import", "requests", "student", "judge", "close")


class Timers:
    """Wall and judge-CPU seconds per phase for the run in progress, filled by the wrappers
    below (a phase entered inside another counts for the outer one only)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.requests = 0  # round trips, the import included
        self.exercise = ""
        self.sandbox_cpu = 0.0  # the zygote's tree during this run (the next spare's start too)
        self._depth = 0

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._depth += 1
        began, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self.seconds[name] += time.perf_counter() - began
                self.cpu[name] += time.process_time() - cpu


def _wrap(owner: type, name: str, around: Callable[..., Any]) -> Callable[[], None]:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return around(original, *args, **kwargs)

    setattr(owner, name, wrapper)
    return lambda: setattr(owner, name, original)


@contextlib.contextmanager
def instrumented(timers: list[Timers]) -> Iterator[None]:
    """Time the sandbox handle's phases into `timers[-1]` (the run in progress)."""
    sandbox_class, spares_class = sandbox_module.Sandbox, spares_module.Spares

    def timed(phase: str) -> Callable[..., Any]:
        def around(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            with timers[-1].phase(phase):
                return original(*args, **kwargs)

        return around

    def request(original: Callable[..., Any], self: Any, op: str, *args: Any, **kw: Any) -> Any:
        timers[-1].requests += 1
        with timers[-1].phase("import" if op == "import" else "requests"):
            return original(self, op, *args, **kw)

    def close(original: Callable[..., Any], self: Any) -> Any:
        with timers[-1].phase("close"):
            return original(self)

    undo = [
        _wrap(sandbox_class, "__enter__", timed("start")),
        _wrap(spares_class, "take", timed("start")),
        _wrap(spares_class, "start", timed("start")),
        _wrap(sandbox_class, "request", request),
        _wrap(sandbox_class, "close", close),
    ]
    try:
        yield
    finally:
        for step in undo:
            step()


CPUACCT = Path("/sys/fs/cgroup/cpuacct")  # cgroup v1's CPU accounting, where mounted


class ZygoteClock:
    """CPU seconds of the zygote and every sandbox it forks (waiter, init, sandbox, their
    exits included).

    Where cgroup v1's cpuacct controller is mounted and writable (root), the zygote is moved
    into a cgroup of its own there, which every sandbox inherits (sandboxes join the memory,
    pids and cpu controllers' cgroups, not cpuacct's), and its usage is read. Elsewhere the
    zygote's own and reaped children's times are read from /proc, which misses processes
    killed before their parent reaped them (a sandbox's init and sandbox): `exact` says which.
    """

    def __init__(self) -> None:
        from multiprocessing import forkserver

        self.pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
        self.folder: Path | None = CPUACCT / f"bench-{os.getpid()}"
        try:
            self.folder.mkdir()
            (self.folder / "cgroup.procs").write_text(str(self.pid))
        except OSError:
            self.folder = None
        self.exact = self.folder is not None

    def seconds(self) -> float:
        if self.folder is not None:
            return int((self.folder / "cpuacct.usage").read_text()) / 1e9
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return float("nan")
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        """Move the zygote back and remove the folder."""
        if self.folder is None:
            return
        with contextlib.suppress(OSError):
            (CPUACCT / "cgroup.procs").write_text(str(self.pid))
            self.folder.rmdir()


def student_seconds(registry: Registry, variant: Variant) -> float:
    """The calls and probes of one run, in this process on the imported module (best of 2)."""
    exercise = registry.get(variant.exercise)
    text, problem = _read_source(Source(variant.path.read_bytes(), f"{variant.exercise}.py"))
    if problem is not None:
        return 0.0
    best = float("inf")
    for _ in range(2):
        submission = InProcessSubmission(exercise, text, f"{variant.exercise}.py")
        spent = [0.0]
        for name in ("call", "probe"):
            bound = getattr(submission, name)

            def timed(
                *args: Any,
                _bound: Callable[..., Any] = bound,
                _spent: list[float] = spent,
                **kwargs: Any,
            ) -> Any:
                began = time.process_time()
                try:
                    return _bound(*args, **kwargs)
                finally:
                    _spent[0] += time.process_time() - began

            setattr(submission, name, timed)
        for spec in exercise.checks(include_hidden=True):
            _run_check(spec, submission)  # type: ignore[arg-type]
        best = min(best, spent[0])
    return best


def measure(
    registry: Registry, subs: list[Variant], rounds: int, engine: Any = None
) -> dict[str, Any]:
    """Grade `subs` `rounds` times (first round untimed: it loads the checks); per-run means."""
    from grader.judge.sandbox import Engine
    from grader.judge.spares import Spares
    from grader.staff.jobs import warm_up

    judge_threads()
    engine = engine or Engine("forkserver")
    warm_up(engine)
    clock = ZygoteClock()
    spares = Spares()
    runs: list[Timers] = []
    totals: list[float] = []
    student = {v: student_seconds(registry, v) for v in subs}
    with instrumented(runs):
        for round_number in range(rounds + 1):
            if round_number == 1:
                zygote_before, judge_before = clock.seconds(), time.process_time()
            for variant in subs:
                runs.append(Timers())
                source = Source(variant.path.read_bytes(), f"{variant.exercise}.py")
                began, cpu, tree = time.perf_counter(), time.process_time(), clock.seconds()
                run_exercise(engine, registry.get(variant.exercise), source, spares=spares)
                if round_number == 0:
                    runs.pop()
                    continue
                totals.append(time.perf_counter() - began)
                runs[-1].cpu["total"] = time.process_time() - cpu
                runs[-1].sandbox_cpu = clock.seconds() - tree
                runs[-1].exercise = variant.exercise
                runs[-1].seconds["student"] = student[variant]
    spares.close()
    time.sleep(0.5)  # the last sandboxes exit, their cgroups are removed
    zygote_spent, judge_spent = clock.seconds() - zygote_before, time.process_time() - judge_before
    clock.close()
    wall = {phase: statistics.fmean(t.seconds[phase] for t in runs) for phase in PHASES}
    cpu = {phase: statistics.fmean(t.cpu[phase] for t in runs) for phase in PHASES}
    wall["requests"] = max(0.0, wall["requests"] - wall["student"])
    sandbox_phases = ("start", "import", "requests", "close")
    wall["judge"] = statistics.fmean(totals) - sum(wall[p] for p in (*sandbox_phases, "student"))
    cpu["judge"] = statistics.fmean(t.cpu["total"] for t in runs) - sum(
        cpu[p] for p in sandbox_phases
    )
    cpu["student"] = float("nan")  # it runs in the sandbox: in `sandbox CPU`
    return {
        "by_exercise": by_exercise(runs),
        "runs": len(runs),
        "wall": wall,
        "cpu": cpu,
        "wall_per_run": statistics.fmean(totals),
        "judge_cpu": judge_spent / len(runs),
        "sandbox_cpu": zygote_spent / len(runs),
        "exact": clock.exact,
    }


def by_exercise(runs: list[Timers]) -> dict[str, dict[str, float]]:
    """Per exercise, means per run: round trips, the zygote's tree CPU while the run lasted
    (the sandbox's requests and exit, and the lock-down of the spare launched for the next
    run), the judge's CPU, and the student's code and probes timed in process."""
    table: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(t.exercise for t in runs):
        mine = [t for t in runs if t.exercise == name]
        table[name] = {
            "requests": statistics.fmean(t.requests for t in mine),
            "sandbox": statistics.fmean(t.sandbox_cpu for t in mine),
            "judge": statistics.fmean(t.cpu["total"] for t in mine),
            "student": statistics.fmean(t.seconds["student"] for t in mine),
        }
    return table


def render_by_exercise(result: dict[str, Any]) -> list[str]:
    """Per exercise, ms of CPU per run: the zygote's tree, the judge, the student's code in
    process, and the tree's CPU beyond the student's code (what sandboxing adds)."""
    lines = [
        f"{'per run (ms CPU)':<16}{'requests':>9}{'sandboxes':>10}{'judge':>8}"
        f"{'student':>9}{'sandbox-student':>16}"
    ]
    for name, row in result["by_exercise"].items():
        beyond = row["sandbox"] - row["student"]
        lines.append(
            f"{name:<16}{row['requests']:9.1f}{row['sandbox'] * 1000:10.1f}"
            f"{row['judge'] * 1000:8.1f}{row['student'] * 1000:9.1f}{beyond * 1000:16.1f}"
        )
    return lines


def sample(registry: Registry, wanted: list[str], per_exercise: int) -> list[Variant]:
    """Each exercise's reference, then its first mutants: `per_exercise` files each."""
    chosen = []
    for exercise in registry.exercises():
        if wanted and exercise.id not in wanted:
            continue
        found = variants(exercise)
        mutants = [v for v in found if v.kind == "mutant"]
        chosen += ([found[0], *mutants])[:per_exercise] if found else []
    return chosen


def render(result: dict[str, Any]) -> list[str]:
    """The breakdown as a table: per phase, ms of wall time and of the judge's CPU per run."""
    lines = [f"{'per run (ms)':<24}{'wall':>8}{'judge CPU':>11}"]
    names = {
        "start": "start (spare, launch)",
        "import": "import request",
        "requests": "requests (round trips)",
        "student": "student code + probes",
        "judge": "judge code (checks)",
        "close": "close",
    }
    for phase in PHASES:
        cpu = result["cpu"][phase]
        cell = f"{cpu * 1000:11.1f}" if cpu == cpu else f"{'(sandbox)':>11}"
        lines.append(f"{names[phase]:<24}{result['wall'][phase] * 1000:8.1f}{cell}")
    judge, sandbox = result["judge_cpu"], result["sandbox_cpu"]
    lines += [
        f"{'whole run':<24}{result['wall_per_run'] * 1000:8.1f}{judge * 1000:11.1f}",
        f"CPU per run: judge {judge * 1000:.1f} ms + zygote and sandboxes "
        f"{sandbox * 1000:.1f} ms{'' if result['exact'] else ' (or more)'} = "
        f"{(judge + sandbox) * 1000:.1f} ms "
        f"({result['runs']} runs, one judge with a spare sandbox, one at a time)",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", nargs="*", default=[])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--per-exercise", type=int, default=3, help="reference, then mutants")
    parser.add_argument("--by-exercise", action="store_true", help="a table per exercise too")
    args = parser.parse_args()
    print("$ python " + shlex.join(["benchmarks/breakdown.py", *sys.argv[1:]]))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    registry = Registry(ROOT)
    subs = sample(registry, args.exercises, args.per_exercise)
    result = measure(registry, subs, args.rounds)
    print("\n".join(render(result)))
    if args.by_exercise:
        print("\n".join(render_by_exercise(result)))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
