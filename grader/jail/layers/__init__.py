"""Isolation layers: a freshly forked sandbox locks itself down before student code loads.

`LAYERS` is the table: one `Layer` object per layer, in the order they are applied, cheapest
first. Everything else is derived from it: `lock_down` (the policy a sandbox applies), the
names `GRADE_DISABLE_LAYERS` accepts, the doctor's table and the degraded report. Adding a
layer is one new module here with its `Layer`, and one entry below (CONTRIBUTING.md).

Order matters: a new session; the cgroup the judge made (joined before anything forks); user
(only when not root), network, mount, IPC and UTS namespaces; the PID namespace (the caller
continues in a new process, PID 2, next to a spawned init) and a fresh `/proc` with a task cap;
the workdir's tmpfs; a clean environment, no new privileges, no capabilities; Landlock; rlimits
(after Landlock, which needs a few file descriptors); seccomp last.

The layers act on the calling process and are meant for a child that was just forked: one
thread, nothing of the student's loaded yet. A layer the platform cannot provide (macOS, an old
kernel, a container without `unshare`) is reported missing and the others still apply.
"""

from __future__ import annotations

import types

from grader.jail.layers.base import (
    Layer,
    LayerUnavailable,
    NotNeeded,
    SandboxPolicy,
    describe,
)
from grader.jail.layers.cgroups import CGROUPS
from grader.jail.layers.landlock import LANDLOCK
from grader.jail.layers.limits import RLIMITS
from grader.jail.layers.namespaces import IPC, MOUNT, NETWORK, SESSION, USER, UTS, WORKDIR_TMPFS
from grader.jail.layers.pid import PID, PRIVATE_PROC
from grader.jail.layers.privileges import CAPABILITIES, CLEAN_ENV, NO_NEW_PRIVS
from grader.jail.layers.seccomp import SECCOMP

LAYERS: tuple[Layer, ...] = (
    SESSION,
    CGROUPS,
    USER,
    NETWORK,
    MOUNT,
    IPC,
    UTS,
    PID,
    PRIVATE_PROC,
    WORKDIR_TMPFS,
    CLEAN_ENV,
    NO_NEW_PRIVS,
    CAPABILITIES,
    LANDLOCK,
    RLIMITS,
    SECCOMP,
)
BY_NAME = types.MappingProxyType({layer.name: layer for layer in LAYERS})
NAMES: tuple[str, ...] = tuple(BY_NAME)

# (active, note): True active, False missing, None not needed here (neither)
State = tuple[bool | None, str]


def lock_down(policy: SandboxPolicy) -> dict[str, State]:
    """Apply every layer the policy asks for; {name: (active, note)}, a failure recorded.

    A layer named in `policy.disabled` is not tried and is reported missing, as on a machine
    that lacks it (how the degraded path is tested, and a way out should a layer misbehave).
    May fork (the PID namespace): the caller continues in a new process.
    """
    report: dict[str, State] = {}
    for layer in LAYERS:
        if layer.when(policy):
            report[layer.name] = _attempt(layer, policy, report)
    return report


def _attempt(layer: Layer, policy: SandboxPolicy, report: dict[str, State]) -> State:
    if layer.name in policy.disabled:
        return (False, "disabled by the grader's settings")
    missing = [name for name in layer.after if report.get(name, (False, ""))[0] is not True]
    if missing:
        return (False, f"needs {' and '.join(missing)}")
    try:
        return (True, layer.apply(policy))
    except NotNeeded as exc:
        return (None, str(exc))
    except Exception as exc:  # noqa: BLE001 - any failure only makes the layer missing
        return (False, describe(exc))


def apply_policy(policy: SandboxPolicy) -> dict[str, bool]:
    """`lock_down`, as {layer: active} for every layer that applies here (not the unneeded)."""
    return {name: active for name, (active, _) in lock_down(policy).items() if active is not None}


__all__ = [
    "BY_NAME",
    "LAYERS",
    "NAMES",
    "Layer",
    "LayerUnavailable",
    "NotNeeded",
    "SandboxPolicy",
    "State",
    "apply_policy",
    "lock_down",
]
