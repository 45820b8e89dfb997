"""`grade doctor` and the staff commands' refusal: which isolation layers this machine gives.

Every line comes from the layer table (`grader.jail.layers.LAYERS`): each layer is tried in a
throwaway child, locked down as a sandbox would be, with `GRADE_DISABLE_LAYERS` honoured. The
cgroup layer is tried for real too: where the machine has cgroups, a cgroup is made for the
child to join, then removed. A required layer that does not work is missing; an optional one
(cgroups) is missing only when switched off on purpose, and otherwise has a line that says what
the machine lacks.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from grader.jail.layers import BY_NAME, LAYERS, State
from grader.jail.layers.landlock import landlock_abi
from grader.jail.layers.probe import probe_layers
from grader.judge.cgroups import SandboxCgroup, why_none
from grader.judge.sandbox import DISABLE_LAYERS_ENV, Engine
from grader.outputs.models import Limits


@dataclass(frozen=True)
class Line:
    """One row of the doctor's table: a layer, whether it works here, and what that means."""

    name: str
    works: bool | None  # None: not needed, or an optional layer this machine does not offer
    note: str
    missing: bool  # counts against full isolation


def examine(disabled: Sequence[str] | None = None) -> list[Line]:
    """Try every layer here; `disabled` defaults to `GRADE_DISABLE_LAYERS` (as an Engine)."""
    engine = Engine(disabled_layers=disabled)  # validates the names; starts nothing
    hierarchy = engine.cgroups
    cgroup = SandboxCgroup.create(hierarchy, Limits()) if hierarchy is not None else None
    try:
        found = probe_layers(frozenset(engine.disabled_layers), cgroup.paths if cgroup else ())
    finally:
        if cgroup is not None:
            cgroup.remove()
    if isinstance(found, str):
        return [Line(layer.name, False, f"{layer.protects} ({found})", True) for layer in LAYERS]
    report, elapsed_ms = found
    lines = [_line(name, state, hierarchy is None) for name, state in report.items()]
    abi = landlock_abi()
    lines.append(Line("landlock_abi", abi > 0, f"ABI {abi}" if abi else "no Landlock", False))
    lines.append(Line("fork", True, f"fork and lockdown took {elapsed_ms:.0f} ms", False))
    return lines


def _line(name: str, state: State, no_cgroups: bool) -> Line:
    works, note = state
    layer = BY_NAME[name]
    if works is True:
        return Line(name, True, note, False)
    if works is None and name == "cgroups" and no_cgroups:
        why = f"optional, not on this machine ({why_none()}): {layer.protects}"
        return Line(name, None, why, False)
    if works is None:
        return Line(name, None, note, False)
    return Line(name, False, f"{layer.protects} ({note})", True)


def missing_layers(lines: Sequence[Line]) -> list[str]:
    return [line.name for line in lines if line.missing]


def verdict(lines: Sequence[Line]) -> str:
    """The doctor's last line: every layer available, or which are missing."""
    missing = missing_layers(lines)
    if missing:
        return "degraded isolation: missing " + ", ".join(missing)
    absent = [
        line.name
        for line in lines
        if line.works is None and line.name in BY_NAME and not BY_NAME[line.name].required
    ]
    return "every required isolation layer is available" + (
        f" (optional, not on this machine: {', '.join(absent)})" if absent else ""
    )


def refusal(disabled: Sequence[str] | None = None) -> str | None:
    """Why a staff command must not start here (None: full isolation)."""
    missing = missing_layers(examine(disabled))
    if not missing:
        return None
    switched_off = os.environ.get(DISABLE_LAYERS_ENV, "")
    how = f" ({DISABLE_LAYERS_ENV}={switched_off})" if switched_off else ""
    return (
        f"isolation layers missing: {', '.join(missing)}{how}; see `grade doctor`, or pass "
        "--allow-degraded to grade anyway"
    )


__all__ = ["Line", "examine", "missing_layers", "refusal", "verdict"]
