"""Who holds a gradebook claim, and whether that process can still be alive.

A batch registers the process that runs it: pid, host name and, on Linux, the process's start
time (field 22 of `/proc/PID/stat`), so a pid the kernel reused for another program does not
keep a dead batch's claims. On its own host a batch is dead as soon as its process is gone (or
a zombie); from another host only its expiry tells, so a batch renews it while it runs
(`Lease`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Process:
    """A process as the gradebook records it."""

    pid: int
    host: str
    start: str  # "" where the platform does not say

    def may_be_alive(self) -> bool:
        """False only when this host can tell the process is gone; True for other hosts."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        state, start = _stat(self.pid)
        if state == "Z":
            return False
        return not (self.start and start and start != self.start)


def this_process() -> Process:
    """The calling process."""
    return Process(os.getpid(), socket.gethostname(), _stat(os.getpid())[1])


def _stat(pid: int) -> tuple[str, str]:
    """(state, start time in clock ticks) from /proc, or ("", "") where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0], fields[19]
    except (OSError, IndexError):
        return "", ""


@contextlib.contextmanager
def lease(renew: Callable[[], None], every_s: float) -> Iterator[None]:
    """Call `renew` every `every_s` seconds on a thread while the block runs.

    `renew` opens its own connection (a SQLite connection belongs to its thread). A failed
    renewal is retried at the next beat: the claim then only risks expiring early, which
    costs a duplicate grading that idempotent recording drops, never a wrong row.
    """
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every_s):
            with contextlib.suppress(Exception):
                renew()

    thread = threading.Thread(target=beat, name="grade-claims", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
