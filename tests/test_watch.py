"""`grade exerciseN --watch`: a real `grade` process, real saves, a real Ctrl-C."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from tests.test_cli import left_in_session

ROOT = Path(__file__).resolve().parent.parent


class Watcher:
    """`grade exercise2 --watch --file PATH` in a session of its own, its stdout read line by
    line on a thread."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen(
            ["grade", "exercise2", "--watch", "--file", str(path), "--root", str(ROOT)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} never shown; output:\n{''.join(self.seen)}")


def test_watch_regrades_on_every_save_and_ctrl_c_ends_it_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "exercise2.py"
    shutil.copy(ROOT / "exercises/exercise2/exercise2.py", path)
    watcher = Watcher(path)
    try:
        watcher.wait_for("Total: 0 / 12")
        watcher.wait_for("watching exercise2.py")
        shutil.copy(ROOT / "reference/exercise2/solution.py", path)
        watcher.wait_for("Total: 12 / 12", timeout=60)
        watcher.wait_for("watching exercise2.py")
        path.write_text("def relu(:\n")  # a syntax error is a report too, not an exit
        watcher.wait_for("Total: 0 / 12", timeout=60)
        watcher.wait_for("watching exercise2.py")
        os.killpg(watcher.proc.pid, signal.SIGINT)
        watcher.wait_for("stopped watching", timeout=60)
        assert watcher.proc.wait(timeout=60) == 0
    finally:
        if watcher.proc.poll() is None:
            os.killpg(watcher.proc.pid, signal.SIGKILL)
    assert "SyntaxError" in "".join(watcher.seen)
    assert left_in_session(watcher.proc.pid) == []
