"""Save-to-report time of `grade exercise2 --watch` (issue 12; target: at most 0.5 s).

    python benchmarks/watch.py                  # 12 saves of exercise2
    python benchmarks/watch.py --saves 20 --exercise exercise3

Starts the real command, `grade EXERCISE --watch --file F` (F a copy of the stub in a temporary
folder), waits for its first report, then saves F again and again, alternating the reference
solution and its first mutant so that every report differs. Each figure is the wall time from
the moment the new file is written (a write and rename, as editors save) to the moment the
command has printed the whole report: its last line, "watching F: graded at ...". Prints every
save, the median and the worst against the target, and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", default="exercise2")
    parser.add_argument("--saves", type=int, default=12)
    args = parser.parse_args()
    ex = args.exercise
    versions = [
        (ROOT / "reference" / ex / "solution.py").read_text(),
        sorted((ROOT / "reference" / ex / "mutants").glob("*.py"))[0].read_text(),
    ]
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    # Run as a background job, this script inherits an ignored SIGINT, and so would the command:
    # its Ctrl-C (the SIGINT sent at the end) would never arrive. Restore it before starting it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{ex}.py"
        shutil.copy(ROOT / "exercises" / ex / f"{ex}.py", path)
        command = ["grade", ex, "--watch", "--file", str(path), "--root", str(ROOT)]
        print("$ " + " ".join(command))
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
        footer = f"watching {path.name}: graded at"
        try:
            started = time.monotonic()
            wait_for(lines, footer, 300)
            print(f"first report (cold start included): {time.monotonic() - started:.2f} s")
            times = []
            for number in range(args.saves):
                time.sleep(0.3)  # let the spare sandbox start, as it does while a student types
                temporary = path.with_suffix(".tmp")
                temporary.write_text(versions[number % 2])
                saved = time.monotonic()
                os.replace(temporary, path)
                wait_for(lines, footer, 60)
                times.append(time.monotonic() - saved)
                print(f"save {number + 1:2d}: {times[-1]:.3f} s")
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=60)
    median, worst = statistics.median(times), max(times)
    verdict = "within" if worst <= TARGET_S else "NOT within"
    print(
        f"save to report: median {median:.3f} s, worst {worst:.3f} s over {len(times)} saves; "
        f"target {TARGET_S} s: {verdict}"
    )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


def wait_for(lines: queue.Queue[str], text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.001, deadline - time.monotonic()))
        except queue.Empty:
            sys.exit(f"{text!r} not shown within {timeout} s")
        if text in line:
            return


if __name__ == "__main__":
    main()
