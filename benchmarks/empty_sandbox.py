"""What one empty sandbox costs: start, import a one-line `echo`, close, `--count` times in a row.

    python benchmarks/empty_sandbox.py --count 40
    python benchmarks/empty_sandbox.py --count 40 --calls 20   # and 20 round trips in each

With `--calls N` each sandbox imports a one-line `echo` and calls it N times on a 4x3 float
tensor (one tensor each way): the difference from `--calls 0`, divided by N, is what one round
trip of a small tensor costs both processes.

Prints the CPU of the zygote's tree per sandbox (every process a sandbox is made of, its
lock-down and exit included: `breakdown.ZygoteClock`, exact where cgroup v1's cpuacct is
writable), the judge's own CPU per sandbox, and the wall time per sandbox, with the load
average before and after. Every isolation layer is on (the engine's defaults).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from benchmarks.breakdown import ZygoteClock  # noqa: E402
from grader.judge.sandbox import Engine, Sandbox  # noqa: E402
from grader.outputs.models import Limits  # noqa: E402
from grader.staff.jobs import warm_up  # noqa: E402

ECHO = "def echo(value):\n    return value\n"


def measure(count: int, calls: int = 0) -> dict[str, float]:
    engine = Engine("forkserver")
    warm_up(engine)
    clock = ZygoteClock()
    limits = Limits()
    layers: dict[str, bool] = {}
    sample = torch.linspace(-1.0, 1.0, 12).reshape(4, 3)
    notes: dict[str, str] = {}
    zygote, judge, wall = clock.seconds(), time.process_time(), time.perf_counter()
    for _ in range(count):
        with Sandbox(engine, limits, "cpu", "empty.py", "empty") as box:
            box.request("import", limits.import_s, "the import", source=ECHO)
            for _ in range(calls):
                box.request("call", limits.call_s, "echo", name="echo", args=(sample,))
            layers, notes = box.layers, box.notes
    wall, judge = time.perf_counter() - wall, time.process_time() - judge
    time.sleep(0.5)  # the last sandbox's processes are gone
    zygote = clock.seconds() - zygote
    clock.close()
    missing = sorted(name for name, active in layers.items() if not active)
    print(f"pid_namespace: {notes.get('pid_namespace', '')}")
    if missing:
        print(f"layers missing: {', '.join(missing)}")
    return {
        "zygote": zygote / count,
        "judge": judge / count,
        "wall": wall / count,
        "exact": float(clock.exact),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--calls", type=int, default=0, help="round trips in each sandbox")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    result = measure(args.count, args.calls)
    exact = "" if result["exact"] else " (or more)"
    print(
        f"per sandbox ({args.count}, {args.calls} calls each): "
        f"zygote's tree {result['zygote'] * 1000:.1f} ms CPU"
        f"{exact}, judge {result['judge'] * 1000:.1f} ms CPU, wall {result['wall'] * 1000:.1f} ms"
    )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
