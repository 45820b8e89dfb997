"""Judge-side cgroups: one per sandbox, made before it starts, killed and removed at its end.

The sandbox joins the cgroup itself as its first step (`grader.jail.layers.cgroups`), before it
forks and before any student code; every process it starts is then in it, in whatever session.
The limits come from the exercise's `Limits`: `memory_mb` for the whole tree (memory.max, no
swap), `tasks` (pids.max: processes and threads), `cpus` (cpu.max: CPU time per period).
At the end every process left in the cgroup is killed (cgroup.kill where the kernel has it)
and the folder removed once they are gone (in the background: the judge does not wait).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grader.jail.layers.cgroups import Hierarchy, NoCgroups, find_hierarchy
from grader.outputs.models import Limits

CPU_PERIOD_US = 100_000
REMOVE_S = 2.0  # how long `remove` waits for the killed processes to be gone


def machine_hierarchy() -> Hierarchy | None:
    """This machine's cgroup hierarchy for sandboxes, or None (then `why_none` says why).

    Cgroups that judges no longer running left behind are removed on the way."""
    try:
        hierarchy = find_hierarchy()
    except NoCgroups:
        return None
    sweep_abandoned(hierarchy)
    return hierarchy


def why_none() -> str:
    try:
        return find_hierarchy().describe()
    except NoCgroups as exc:
        return str(exc)


@dataclass
class SandboxCgroup:
    """The cgroup of one sandbox: its folders (one per v1 controller, or one for v2)."""

    hierarchy: Hierarchy
    folders: dict[str, Path]  # controller -> folder

    @classmethod
    def create(cls, hierarchy: Hierarchy, limits: Limits, memory: bool = True) -> SandboxCgroup:
        """Make the cgroup and set its limits (OSError if the machine refuses)."""
        name = f"grade-{os.getpid()}-{secrets.token_hex(4)}"
        folders: dict[str, Path] = {}
        made = cls(hierarchy, folders)
        try:
            for controller, parent in hierarchy.parents:
                folder = parent / name
                if folder not in folders.values():
                    folder.mkdir()
                folders[controller] = folder
            made._limit(limits, memory)
        except OSError:
            made.remove()
            raise
        return made

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(sorted(set(self.folders.values())))

    def _limit(self, limits: Limits, memory: bool) -> None:
        quota = max(1000, int(limits.cpus * CPU_PERIOD_US))
        memory_bytes = limits.memory_mb * 1024 * 1024
        if self.hierarchy.version == 2:
            self._write("pids", "pids.max", str(limits.tasks))
            if memory:
                self._write("memory", "memory.max", str(memory_bytes))
                self._write("memory", "memory.swap.max", "0", optional=True)
            self._write("cpu", "cpu.max", f"{quota} {CPU_PERIOD_US}", optional=True)
            return
        self._write("pids", "pids.max", str(limits.tasks))
        if memory:
            self._write("memory", "memory.limit_in_bytes", str(memory_bytes))
            self._write("memory", "memory.memsw.limit_in_bytes", str(memory_bytes), optional=True)
        self._write("cpu", "cpu.cfs_period_us", str(CPU_PERIOD_US), optional=True)
        self._write("cpu", "cpu.cfs_quota_us", str(quota), optional=True)

    def _write(self, controller: str, name: str, value: str, optional: bool = False) -> None:
        folder = self.folders.get(controller)
        if folder is None:
            if optional:
                return
            raise OSError(f"no {controller} controller")
        try:
            (folder / name).write_text(value)
        except OSError:
            if not optional:
                raise

    def members(self) -> list[int]:
        found: set[int] = set()
        for folder in self.paths:
            with contextlib.suppress(OSError, ValueError):
                found.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
        return sorted(found)

    def kill(self) -> None:
        """SIGKILL every process in the cgroup, new sessions and late forks included.

        Does not wait for them to be gone (`remove` does): the kill is immediate, the exit of a
        large process takes milliseconds the judge need not spend.
        """
        if self.hierarchy.version == 2:  # cgroup v1 has no cgroup.kill
            for folder in self.paths:
                with contextlib.suppress(OSError):
                    (folder / "cgroup.kill").write_text("1")
        for _ in range(3):  # a fork racing the first round is in the cgroup for the next
            members = self.members()
            if not members:
                break  # nobody left who could fork
            for pid in members:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)

    def remove(self, killed: bool = False) -> None:
        """Kill what is left, wait for it to be gone, remove the folders (bounded wait).

        `killed`: `kill` has just run; the folders are then tried at once (a folder that still
        holds a process refuses, and is killed and tried again)."""
        if not killed:
            self.kill()
        deadline = time.monotonic() + REMOVE_S
        for folder in self.paths:
            while folder.exists():
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    self.kill()
                    time.sleep(0.005)

    def remove_later(self) -> None:
        """`kill` now, `remove` in a background thread: the judge goes on at once. (Not a
        daemon: an exiting judge waits for it, at most `REMOVE_S`.)"""
        self.kill()
        threading.Thread(target=self.remove, args=(True,), name="grade-cgroup-remove").start()

    def oom_killed(self) -> bool:
        """True when the kernel killed a process here for the memory limit."""
        folder = self.folders.get("memory")
        if folder is None:
            return False
        for name in ("memory.events", "memory.oom_control"):
            with contextlib.suppress(OSError, ValueError):
                for line in (folder / name).read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill" and int(value) > 0:
                        return True
        return False


def sweep_abandoned(hierarchy: Hierarchy) -> int:
    """Remove the sandbox cgroups of judges that are gone (killed with SIGKILL, say): their
    processes are killed and their folders removed. Returns how many were removed."""
    removed = 0
    for _, parent in hierarchy.parents:
        with contextlib.suppress(OSError):
            for folder in parent.iterdir():
                owner = _owner(folder.name)
                if owner is None or _alive(owner):
                    continue
                SandboxCgroup(hierarchy, {"any": folder}).remove()
                removed += not folder.exists()
    return removed


def _owner(name: str) -> int | None:
    parts = name.split("-")
    if len(parts) == 3 and parts[0] == "grade" and parts[1].isdigit():
        return int(parts[1])
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
