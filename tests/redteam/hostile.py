"""Red-team helpers: the hostile submissions in cases/, their headers, and host-side evidence.

Each file in cases/ is a real submission. Its header says what it attacks and what the judge
must make of it:

    # attack: what it tries (may span several lines)
    # exercise: exercise2
    # expect: crashed|timeout        verdicts allowed for every check (a case that ends its
                                     sandbox on every call may also use up the exercise's
                                     time budget, which makes the last checks `timeout`)
    # host: no_leftovers             optional: evidence to look for on the host afterwards
    # known-gap: why it still wins   optional: a gap outside the engine (the test is xfail)
    # limits: call_s=5 total_s=60    optional: limits other than LIMITS (for exercises whose
                                     reference needs more than the small red-team budget)

The lines between `# --- attack ---` and `# --- end attack ---` are the attack; without them
the file is the same submission, unarmed, and the armed one must never score more. Text such
as `{{MARK}}` is filled in per run (see `Case.text`).
"""

from __future__ import annotations

import contextlib
import multiprocessing.forkserver
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine
from grader.judge.scoring import Source, run_exercise
from grader.outputs.models import ExerciseResult, Limits

CASES_DIR = Path(__file__).resolve().parent / "cases"
ATTACK_START = "# --- attack ---"
ATTACK_END = "# --- end attack ---"
# Small limits keep the suite fast; every timeout case costs at most total_s.
LIMITS = Limits(import_s=3, call_s=1.5, total_s=4, cpu_s=10, memory_mb=2048, output_kb=4, file_mb=1)


@dataclass(frozen=True)
class Case:
    """One hostile submission and what the judge must make of it."""

    path: Path
    exercise: str
    expect: frozenset[str]
    attack: str
    host: str | None
    known_gap: str | None
    limits: Limits = LIMITS

    @property
    def name(self) -> str:
        return self.path.stem

    def text(self, fill: Mapping[str, str]) -> str:
        """The armed submission, with `{{KEY}}` replaced by `fill[KEY]`."""
        text = self.path.read_text(encoding="utf-8")
        for key, value in fill.items():
            text = text.replace("{{" + key + "}}", value)
        return text

    def unarmed(self) -> str:
        """The same submission without its attack lines."""
        kept, inside = [], False
        for line in self.path.read_text(encoding="utf-8").splitlines(keepends=True):
            marker = line.strip()
            if marker == ATTACK_START:
                inside = True
            elif marker == ATTACK_END:
                inside = False
            elif not inside and not marker.startswith("# "):
                kept.append(line)
        return "".join(kept)


def read_case(path: Path) -> Case:
    fields: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# "):
            break
        key, _, value = line[2:].partition(":")
        fields.setdefault(key.strip(), []).append(value.strip())
    missing = {"attack", "exercise", "expect"} - set(fields)
    if missing:
        raise ValueError(f"{path.name}: header lacks {', '.join(sorted(missing))}")
    return Case(
        path=path,
        exercise=fields["exercise"][0],
        expect=frozenset(fields["expect"][0].split("|")),
        attack=" ".join(fields["attack"]),
        host=fields.get("host", [None])[0],
        known_gap=fields.get("known-gap", [None])[0],
        limits=read_limits(fields.get("limits", [""])[0]),
    )


def read_limits(text: str) -> Limits:
    """LIMITS with the header's `name=seconds` pairs applied ("" keeps LIMITS)."""
    update = {}
    for pair in text.split():
        key, _, value = pair.partition("=")
        update[key] = float(value) if "." in value else int(value)
    return Limits.model_validate({**LIMITS.model_dump(), **update}) if update else LIMITS


def load_cases() -> list[Case]:
    return [read_case(path) for path in sorted(CASES_DIR.glob("*.py"))]


def grade(
    engine: Engine, registry: Registry, exercise: str, text: str, limits: Limits = LIMITS
) -> ExerciseResult:
    """Grade one submission text the way `grade` does, hidden checks included."""
    source = Source(text.encode("utf-8"), f"{exercise}.py")
    return run_exercise(engine, registry.get(exercise), source, limits=limits)


def processes_named(name: str) -> list[int]:
    """Host PIDs whose command name (/proc/<pid>/comm, 15 bytes at most) is `name`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            if Path(f"/proc/{entry}/comm").read_text().strip() == name[:15]:
                found.append(int(entry))
    return found


def leftovers(name: str, grace_s: float = 3.0) -> list[int]:
    """Processes named `name` still alive after `grace_s`; they are killed before returning."""
    deadline = time.monotonic() + grace_s
    while (found := processes_named(name)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in found:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return found


@dataclass
class Host:
    """What a case may aim at on the host: a canary submissions folder (`{{CANARY}}`), a
    loopback port that records what reaches it (`{{PORT}}`), a name to find leftover processes
    by (`{{MARK}}`), and the zygote's forkserver address, as if it had leaked (`{{FORKSERVER}}`).
    """

    tmp: Path
    mark: str = field(default_factory=lambda: "rt" + secrets.token_hex(6))
    port: int = 0
    accepted: list[bytes] = field(default_factory=list)
    case: Case | None = None  # the case being graded, for checks that grade it again

    @property
    def canary(self) -> Path:
        return self.tmp / "students"

    def fill(self) -> dict[str, str]:
        forkserver = multiprocessing.forkserver._forkserver  # type: ignore[attr-defined]
        return {
            "MARK": self.mark,
            "CANARY": str(self.canary),
            "PORT": str(self.port),
            "FORKSERVER": str(forkserver._forkserver_address or ""),
        }


def listen(server: socket.socket, stop: threading.Event, accepted: list[bytes]) -> None:
    """Accept on `server` until `stop`, recording the first bytes of every connection."""
    server.settimeout(0.2)
    while not stop.is_set():
        with contextlib.suppress(OSError):
            connection, _ = server.accept()
            with connection:
                connection.settimeout(1)
                accepted.append(connection.recv(64) or b"(connected)")
