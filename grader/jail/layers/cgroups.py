"""The cgroup layer: a sandbox's whole process tree shares one memory, task and CPU budget.

Rlimits bound each process; a submission that forks children (in new sessions, too) gets a
fresh budget per child. A cgroup bounds the tree: the judge makes one per sandbox before the
sandbox starts (`grader.judge.cgroups`, which sets `memory.max`, `pids.max` and `cpu.max` or
their cgroup v1 equivalents), the sandbox joins it here as its first step after `setsid`,
before it forks anything and before any student code, and the judge kills every process in it
and removes it when the run ends.

`find_hierarchy` says where this machine lets a process make cgroups: a cgroup v2 tree with the
memory, pids and cpu controllers delegated to us (or as root at the root of a cgroup
namespace), else cgroup v1 hierarchies for those controllers that root may write. Both are read
from `/proc/self/cgroup` and `/proc/self/mounts`, under the judge's own cgroup (so a container's
own limits still count the sandbox). The layer is optional: a machine without cgroups still
grades without counting as degraded (the doctor says so, and the PID namespace's task cap and
the rlimits still hold); a machine that has them, or a layer switched off on purpose, makes a
sandbox that failed to join one degraded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grader.jail.layers.base import Layer, NotNeeded, SandboxPolicy

CONTROLLERS = ("memory", "pids", "cpu")
REQUIRED = ("memory", "pids")  # without these a cgroup bounds nothing that matters here


@dataclass(frozen=True)
class Hierarchy:
    """Where sandbox cgroups are made: one folder (v2) or one per controller (v1)."""

    version: int
    parents: tuple[tuple[str, Path], ...]  # (controller, folder) pairs; v2: one folder for all

    @property
    def folders(self) -> tuple[Path, ...]:
        return tuple(sorted({folder for _, folder in self.parents}))

    def describe(self) -> str:
        where = ", ".join(f"{c} in {f}" for c, f in self.parents)
        return f"cgroup v{self.version}: {where}"


class NoCgroups(Exception):
    """This machine lets this process make no usable cgroups; the message says why."""


def find_hierarchy() -> Hierarchy:
    """Where this process may make sandbox cgroups; NoCgroups (with the reason) if nowhere."""
    try:
        mounts = [line.split() for line in Path("/proc/self/mounts").read_text().splitlines()]
        own = [line.split(":", 2) for line in Path("/proc/self/cgroup").read_text().splitlines()]
    except OSError as exc:
        raise NoCgroups(f"cannot read the process's cgroups: {exc.strerror}") from None
    reasons = []
    for finder in (_find_v2, _find_v1):
        try:
            return finder(mounts, own)
        except NoCgroups as exc:
            reasons.append(str(exc))
    raise NoCgroups("; ".join(reasons))


def _find_v2(mounts: list[list[str]], own: list[list[str]]) -> Hierarchy:
    roots = [fields[1] for fields in mounts if len(fields) > 2 and fields[2] == "cgroup2"]
    path = next((entry[2] for entry in own if len(entry) == 3 and entry[0] == "0"), None)
    if not roots or path is None:
        raise NoCgroups("no cgroup v2 mounted")
    folder = Path(roots[0]) / path.lstrip("/")
    offered = _read_words(folder / "cgroup.controllers")
    if not set(REQUIRED) <= offered:
        raise NoCgroups(f"cgroup v2 at {folder} offers {' '.join(sorted(offered)) or 'nothing'}")
    if not (os.access(folder, os.W_OK) and os.access(folder / "cgroup.subtree_control", os.W_OK)):
        raise NoCgroups(f"cgroup v2 at {folder} is not delegated to this user")
    enabled = _read_words(folder / "cgroup.subtree_control")
    wanted = [name for name in CONTROLLERS if name in offered and name not in enabled]
    if wanted:
        try:  # refused (EBUSY) in a cgroup that holds processes, unless it is a namespace root
            (folder / "cgroup.subtree_control").write_text(" ".join(f"+{n}" for n in wanted))
        except OSError as exc:
            why = f"cgroup v2 at {folder}: cannot enable {wanted}: {exc.strerror}"
            raise NoCgroups(why) from None
    return Hierarchy(2, tuple((name, folder) for name in CONTROLLERS if name in offered))


def _find_v1(mounts: list[list[str]], own: list[list[str]]) -> Hierarchy:
    parents = []
    for name in CONTROLLERS:
        root = next(
            (f[1] for f in mounts if len(f) > 3 and f[2] == "cgroup" and name in f[3].split(",")),
            None,
        )
        path = next((e[2] for e in own if len(e) == 3 and name in e[1].split(",")), None)
        if root is None or path is None:
            continue
        folder = Path(root) / path.lstrip("/")
        if os.access(folder, os.W_OK) and (folder / "cgroup.procs").is_file():
            parents.append((name, folder))
    found = {name for name, _ in parents}
    if not set(REQUIRED) <= found:
        raise NoCgroups(f"no writable cgroup v1 for {' and '.join(set(REQUIRED) - found)}")
    return Hierarchy(1, tuple(parents))


def _read_words(path: Path) -> set[str]:
    try:
        return set(path.read_text().split())
    except OSError:
        return set()


def join_cgroup(policy: SandboxPolicy) -> str:
    """Move the calling process into the cgroup the judge made for it (every folder of it)."""
    if not policy.cgroup:
        raise NotNeeded("no cgroups on this machine: each process is bounded, not the tree")
    for folder in policy.cgroup:
        (folder / "cgroup.procs").write_text(str(os.getpid()))
    return f"joined {policy.cgroup[0].name}"


CGROUPS = Layer(
    "cgroups",
    "no cgroup: memory, tasks and CPU are bounded per process (rlimits), not for the whole "
    "process tree, so a submission that forks can use more and slow its neighbours",
    join_cgroup,
    required=False,
)
