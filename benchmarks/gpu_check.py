"""Driver of benchmarks/gpu_check.sh: validate on a device, hostile GPU cases, cost per run.

Prints each step as it goes and a one-screen summary at the end. Exit code 0 when every step
behaved as expected.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.judge.registry import Registry  # noqa: E402
from grader.judge.sandbox import Engine, Sandbox, SandboxOutcome  # noqa: E402
from grader.judge.scoring import Source, run_exercise  # noqa: E402
from grader.outputs.models import Limits  # noqa: E402

HOSTILE = {
    "fills device memory": (
        "import torch\ndef f(device):\n    keep = []\n    while True:\n"
        "        keep.append(torch.empty(1 << 30, dtype=torch.uint8, device=device))\n",
        "memory",
    ),
    "a kernel (or loop) that never ends": (
        "import torch\ndef f(device):\n    if device.startswith('cuda'):\n"
        "        while True:\n            torch.cuda._sleep(1 << 30)\n"
        "    while True:\n        pass\n",
        "timeout",
    ),
    "leaves tensors on the device": (
        "import torch\nKEEP = []\ndef f(device):\n"
        "    KEEP.append(torch.ones(256 << 20, dtype=torch.uint8, device=device))\n    return 1\n",
        "passed",
    ),
}


def device_memory_used(device: str) -> int | None:
    """Bytes in use on the GPU as the driver sees it (the judge may touch CUDA, the zygote not)."""
    if not device.startswith("cuda"):
        return None
    import torch

    free, total = torch.cuda.mem_get_info()
    return int(total - free)


def hostile_cases(engine: Engine, device: str) -> list[tuple[str, str, str, bool]]:
    limits = Limits(call_s=8, import_s=60, memory_mb=2048)
    rows = []
    for name, (source, expected) in HOSTILE.items():
        before = device_memory_used(device)
        try:
            with Sandbox(engine, limits, device, "student.py", "student") as box:
                box.request("import", limits.import_s, "importing", source=source)
                box.request("call", limits.call_s, "calling", name="f", args=(device,), kwargs={})
            got = "passed"
        except SandboxOutcome as outcome:
            got = outcome.verdict
        time.sleep(0.5)
        after = device_memory_used(device)
        restored = before is None or after is None or after <= before + (64 << 20)
        memory = "" if before is None else f"device memory {before >> 20} -> {after >> 20} MiB"  # type: ignore[operator]
        rows.append((name, got, memory, got == expected and restored))
        print(f"  {name}: {got} (expected {expected}) {memory}")
    return rows


def cost_per_run(engine: Engine, registry: Registry, device: str, repeats: int) -> float:
    exercise = registry.get("exercise2")
    assert exercise.solution is not None
    source = Source(exercise.solution.read_bytes(), "exercise2.py")
    run_exercise(engine, exercise, source, device=device)  # warm the zygote
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run_exercise(engine, exercise, source, device=device)
        times.append(time.perf_counter() - started)
        assert result.score == result.max_score, [
            c.feedback for c in result.checks if c.status != "passed"
        ]
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA device here: run with `cpu` to check the script itself")
        return 2
    gpu = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "none (CPU run)"
    print(f"torch {torch.__version__}, device {args.device}, GPU: {gpu}")
    started = time.perf_counter()
    print(f"1. grade validate --device {args.device}")
    validate = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader.cli",
            "validate",
            "--device",
            args.device,
            "--root",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    last = (validate.stdout.strip().splitlines() or ["(no output)"])[-1]
    print("  " + last)
    if validate.returncode != 0:
        print("\n".join(line for line in validate.stdout.splitlines() if "✘" in line)[:3000])
    engine = Engine()
    print("2. hostile cases on the device")
    rows = hostile_cases(engine, args.device)
    print("3. cost per run (exercise2 reference, median)")
    registry = Registry(ROOT)
    device_cost = cost_per_run(engine, registry, args.device, args.repeats)
    cpu_cost = cost_per_run(engine, registry, "cpu", args.repeats)
    print(f"  {args.device}: {device_cost * 1000:.0f} ms   cpu: {cpu_cost * 1000:.0f} ms")
    ok = validate.returncode == 0 and all(row[3] for row in rows)
    print("\n=== GPU check summary ===")
    print(f"device: {args.device} ({gpu}); torch {torch.__version__}")
    print(f"validate: {'PASS' if validate.returncode == 0 else 'FAIL'} ({last})")
    for name, got, memory, good in rows:
        print(f"hostile: {'PASS' if good else 'FAIL'} {name}: {got} {memory}")
    print(
        f"per-run cost, exercise2 reference: {args.device} {device_cost * 1000:.0f} ms, "
        f"cpu {cpu_cost * 1000:.0f} ms"
    )
    print(f"total time: {time.perf_counter() - started:.0f} s; overall: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
