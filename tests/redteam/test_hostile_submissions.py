"""Every hostile submission in cases/, graded by the real engine: it gains and harms nothing.

For each case: every check's verdict is one the case's header allows; the score is at most the
score of the same file without its attack lines; and where the attack aims at the host (files,
processes, the network, the judge's output), the host shows no trace of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing.forkserver
import os
import re
import site
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hostile import Case, Host, grade, leftovers, load_cases

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine
from grader.outputs.models import VERDICTS, ExerciseResult

ROOT = Path(__file__).resolve().parents[2]
CASES = load_cases()


def test_there_are_enough_cases_and_every_header_is_valid() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        assert case.expect <= set(VERDICTS), case.name
        assert case.host is None or case.host in HOST_CHECKS, case.name
        assert case.unarmed() != case.path.read_text(), f"{case.name} marks no attack lines"


def param(case: Case) -> object:
    marks = [pytest.mark.xfail(reason=case.known_gap, strict=True)] if case.known_gap else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [param(case) for case in CASES])
def test_hostile_submission_gains_nothing(
    case: Case,
    engine: Engine,
    registry: Registry,
    host: Host,
    unarmed_score: Callable[[Case], float],
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check_host = HOST_CHECKS[case.host] if case.host else no_host_check
    host.case = case
    with check_host(host, engine, registry, capfd, monkeypatch) as verify:
        result = grade(engine, registry, case.exercise, case.text(host.fill()), case.limits)
        verify(result)
    statuses = [check.status for check in result.checks]
    assert set(statuses) <= case.expect, f"{case.name}: {statuses}\n{result.checks[0].feedback}"
    # the twin is graded only where it can decide: a score is never below 0 (Points, ge=0)
    assert result.score == 0 or result.score <= unarmed_score(case)
    assert len(result.output) <= case.limits.output_kb * 1024 + 100


def test_an_oversized_source_is_refused_before_any_sandbox(
    warm_engine: Engine, registry: Registry
) -> None:
    stub = (ROOT / "exercises" / "exercise2" / "exercise2.py").read_text()
    result = grade(warm_engine, registry, "exercise2", stub + "#" * (2 * 1024 * 1024) + "\n")
    assert {c.status for c in result.checks} == {"invalid"} and result.score == 0
    assert "MiB at most" in result.checks[0].feedback
    assert result.isolation.engine == "none"  # refused judge-side: nothing was started


# ---- host-side evidence ---------------------------------------------------------------------
# Each check is a context manager: it records the host's state, yields a `verify(result)` that
# looks for the attack's traces after grading, and cleans up whatever it finds.

Verify = Callable[[ExerciseResult], None]
HostCheck = Callable[..., contextlib.AbstractContextManager[Verify]]


@contextlib.contextmanager
def no_host_check(host: Host, *_: object) -> Iterator[Verify]:
    yield lambda result: None


def fingerprint(path: Path) -> tuple[bool, str, int, int]:
    if not path.exists():
        return (False, "", 0, 0)
    status = path.stat()
    return (True, hashlib.sha256(path.read_bytes()).hexdigest(), status.st_mtime_ns, status.st_mode)


def assert_absent(paths: list[Path]) -> None:
    present = [path for path in paths if path.exists()]
    for path in present:
        path.unlink()
    assert not present, f"the sandbox planted {present}"


@contextlib.contextmanager
def forged_output(
    host: Host, engine: Engine, registry: Registry, capfd: pytest.CaptureFixture[str], *_: object
) -> Iterator[Verify]:
    def verify(result: ExerciseResult) -> None:
        seen = capfd.readouterr()
        assert host.mark not in seen.out and host.mark not in seen.err
        assert host.mark in result.output  # kept as feedback, capped, and nowhere else

    yield verify


@contextlib.contextmanager
def planted_files(host: Host, *_: object) -> Iterator[Verify]:
    victims = [
        ROOT / "exercises" / "exercise2" / "checks.py",
        ROOT / "grader" / "judge" / "scoring.py",
    ]
    before = [fingerprint(path) for path in victims]
    targets = [
        ROOT / f"{host.mark}.json",
        ROOT / "grader" / f"{host.mark}.py",
        ROOT / "exercises" / "exercise2" / f"{host.mark}.py",
        ROOT / "reference" / "exercise2" / f"{host.mark}.py",
        Path("/tmp") / f"{host.mark}.json",
        Path.home() / f"{host.mark}.txt",
        Path("/var/tmp") / f"{host.mark}.txt",
    ]

    def verify(result: ExerciseResult) -> None:
        after = [fingerprint(path) for path in victims]
        for path, (_, _, mtime_ns, mode) in zip(victims, before, strict=True):
            os.chmod(path, mode)  # undo a successful attack on the mode and times
            os.utime(path, ns=(mtime_ns, mtime_ns))
        assert_absent(targets)
        assert after == before

    yield verify


@contextlib.contextmanager
def proc_snoop(host: Host, *_: object) -> Iterator[Verify]:
    own = Path("/proc/self/environ").read_bytes().split(b"\0")
    secrets_seen = [entry.decode(errors="replace") for entry in own if len(entry) > 12][:20]
    cwd = os.getcwd()

    def verify(result: ExerciseResult) -> None:
        assert "SNOOPED" in result.output
        for entry in secrets_seen:
            assert entry not in result.output
        assert cwd == "/" or cwd not in result.output
        assert "pytest" not in result.output

    yield verify


@contextlib.contextmanager
def shadow_modules(host: Host, *_: object) -> Iterator[Verify]:
    folders = [
        ROOT,
        ROOT / "grader",
        ROOT / "exercises" / "exercise2",
        *map(Path, site.getsitepackages()),
    ]
    names = ("torch.py", "numpy.py", "sitecustomize.py", "usercustomize.py")
    existing = {folder / name for folder in folders for name in names if (folder / name).exists()}

    def verify(result: ExerciseResult) -> None:
        planted = [
            folder / f"{host.mark}{suffix}" for folder in folders for suffix in (".py", ".pth")
        ]
        planted += [
            folder / name for folder in folders for name in names if folder / name not in existing
        ]
        assert_absent([*planted, Path(f"/tmp/{host.mark}-imported")])

    yield verify


@contextlib.contextmanager
def cache_poison(host: Host, *_: object) -> Iterator[Verify]:
    import sys

    tag = sys.implementation.cache_tag
    real = [
        ROOT / "grader" / "judge" / "__pycache__" / f"scoring.{tag}.pyc",
        ROOT / "exercises" / "exercise2" / "__pycache__" / f"probes.{tag}.pyc",
        ROOT / "exercises" / "exercise2" / "__pycache__" / f"checks.{tag}.pyc",
    ]
    before = [fingerprint(path) for path in real]

    def verify(result: ExerciseResult) -> None:
        marked = [
            Path(tempfile.gettempdir()) / "torchinductor_root" / host.mark,
            Path("/tmp/torchinductor_root") / host.mark,
            Path.home() / ".cache" / host.mark,
            Path.home() / ".triton" / "cache" / host.mark,
            ROOT / "grader" / "__pycache__" / f"{host.mark}.pyc",
        ]
        assert_absent(marked)
        assert [fingerprint(path) for path in real] == before
        found = re.search(r"CACHES (\{.*\}) CWD (\S+)", result.output)
        assert found, result.output
        caches, cwd = eval(found.group(1)), found.group(2)  # noqa: S307 - our own dict's repr
        assert all(value.startswith(cwd) for value in caches.values()), caches

    yield verify


@contextlib.contextmanager
def no_leftovers(host: Host, *_: object) -> Iterator[Verify]:
    def verify(result: ExerciseResult) -> None:
        assert "armed" in result.output or "daemon up" in result.output, result.output
        assert not leftovers(host.mark), "processes outlived the sandbox (killed now)"

    yield verify


@contextlib.contextmanager
def output_capped(
    host: Host, engine: Engine, registry: Registry, capfd: pytest.CaptureFixture[str], *_: object
) -> Iterator[Verify]:
    def verify(result: ExerciseResult) -> None:
        seen = capfd.readouterr()
        assert host.mark not in seen.out and host.mark not in seen.err
        assert host.mark in result.output

    yield verify


TMPFS_CAP_BYTES = 64 * 1024 * 1024


@contextlib.contextmanager
def disk_capped(host: Host, *_: object) -> Iterator[Verify]:
    def verify(result: ExerciseResult) -> None:
        found = re.search(r"WRITTEN (\d+)", result.output)
        assert found, result.output
        assert int(found.group(1)) <= TMPFS_CAP_BYTES

    yield verify


@contextlib.contextmanager
def rmtree(
    host: Host, engine: Engine, registry: Registry, capfd: object, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Verify]:
    runs = host.tmp / "runs"
    runs.mkdir()
    (host.tmp / "REDTEAM_STOP").write_text("the attack stops below this folder")
    (runs / "other-run.txt").write_text("another sandbox's folder")
    monkeypatch.setattr(tempfile, "tempdir", str(runs))  # the run folder's parents are ours

    def verify(result: ExerciseResult) -> None:
        assert (runs / "other-run.txt").exists()
        assert (host.canary / "alice" / "exercise2.py").exists()
        assert (host.tmp / "REDTEAM_STOP").exists()

    yield verify


@contextlib.contextmanager
def tcp(host: Host, *_: object) -> Iterator[Verify]:
    def verify(result: ExerciseResult) -> None:
        assert "blocked" in result.output and "CONNECTED" not in result.output
        assert not host.accepted

    yield verify


@contextlib.contextmanager
def dns(host: Host, *_: object) -> Iterator[Verify]:
    def verify(result: ExerciseResult) -> None:
        assert "no lookup: example.com" in result.output
        assert "RESOLVED example.com" not in result.output and "SENT UDP" not in result.output

    yield verify


def forkserver_pid() -> int | None:
    return multiprocessing.forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined,no-any-return]


@contextlib.contextmanager
def engine_survives(host: Host, engine: Engine, registry: Registry, *_: object) -> Iterator[Verify]:
    zygote = forkserver_pid()

    def verify(result: ExerciseResult) -> None:
        assert zygote is not None and forkserver_pid() == zygote
        state = Path(f"/proc/{zygote}/stat").read_text().rpartition(")")[2].split()[0]
        assert state not in ("Z", "X"), "the zygote died"
        solution = (ROOT / "reference" / "exercise2" / "solution.py").read_text()
        after = grade(engine, registry, "exercise2", solution)
        assert after.score == after.max_score, [c.feedback for c in after.checks]

    yield verify


@contextlib.contextmanager
def forkserver_escape(host: Host, *_: object) -> Iterator[Verify]:
    def verify(result: ExerciseResult) -> None:
        import time

        time.sleep(0.5)  # an escaped child would have written by now
        assert_absent([host.canary / f"{host.mark}-escaped"])
        assert "forkserver not reached" in result.output

    yield verify


IPC_READER = """
import ctypes, socket
def relu(x):
    libc = ctypes.CDLL(None, use_errno=True)
    seen = [name for name, ident in (("shm", libc.shmget(0x52544950, 0, 0)),
                                     ("msg", libc.msgget(0x52544950, 0))) if ident >= 0]
    mailbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        mailbox.sendto(b"x", b"\\0grade-relay-{{MARK}}")
        seen.append("abstract socket")
    except OSError:
        pass
    raise NotImplementedError(f"seen: {seen}")
"""


@contextlib.contextmanager
def ipc_private(host: Host, engine: Engine, registry: Registry, *_: object) -> Iterator[Verify]:
    """The next student's sandbox, and the host, see nothing of what the case left."""

    def verify(result: ExerciseResult) -> None:
        import ctypes

        assert "armed True True" in result.output, result.output  # it did create them
        reader = grade(engine, registry, "exercise2", IPC_READER.replace("{{MARK}}", host.mark))
        assert "seen: []" in reader.checks[0].feedback, reader.checks[0].feedback
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.shmget(0x52544950, 0, 0) < 0 and libc.msgget(0x52544950, 0) < 0

    yield verify


@contextlib.contextmanager
def uts_private(host: Host, *_: object) -> Iterator[Verify]:
    import socket

    name = socket.gethostname()

    def verify(result: ExerciseResult) -> None:
        assert "armed sandbox" in result.output, result.output  # the host's name never shows
        assert socket.gethostname() == name and host.mark not in result.output.split()[-1]

    yield verify


@contextlib.contextmanager
def hidden_output(host: Host, *_: object) -> Iterator[Verify]:
    """What the case printed under a hidden check (marked {{MARK}}) reaches staff only: the
    students' view of the output is what had been printed before the hidden checks ran."""

    def verify(result: ExerciseResult) -> None:
        assert host.mark in result.output, result.output  # the attack ran, staff see it
        shown = result.for_students().output
        assert host.mark not in shown, shown
        assert shown.startswith("." * 400), shown

    yield verify


@contextlib.contextmanager
def lease_refused(host: Host, *_: object) -> Iterator[Verify]:
    """The judge holds the capture file open, so the sandbox gets no lease on it (each of the
    judge's reads would wait out the kernel's lease-break time, outside every limit)."""

    def verify(result: ExerciseResult) -> None:
        assert "lease refused" in result.output and "lease taken" not in result.output

    yield verify


def remove_ipc_objects(key: int) -> list[str]:
    """Remove the host's SysV shared memory, message queue and semaphore set under `key`
    (what a sandbox left in the host's IPC namespace); the kinds that were there."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    found = []
    if (shmid := libc.shmget(key, 0, 0)) >= 0:
        libc.shmctl(shmid, 0, None)  # IPC_RMID
        found.append("shared memory")
    if (queue := libc.msgget(key, 0)) >= 0:
        libc.msgctl(queue, 0, None)
        found.append("message queue")
    if (semid := libc.semget(key, 0, 0)) >= 0:
        libc.semctl(semid, 0, 0)
        found.append("semaphore set")
    return found


@contextlib.contextmanager
def next_student(host: Host, engine: Engine, registry: Registry, *_: object) -> Iterator[Verify]:
    """The case leaves something named after {{MARK}} (an IPC object, a /dev/shm file, a
    listening socket); the next student's sandbox (the same file graded again) must not find
    it. Whatever was left on the host is removed afterwards, whether the check passes or not."""
    key = int(host.mark[2:10], 16) & 0x7FFFFFFF

    def verify(result: ExerciseResult) -> None:
        assert "armed" in result.output, result.output
        assert host.case is not None
        text = host.case.text(host.fill())
        try:
            after = grade(engine, registry, host.case.exercise, text, host.case.limits)
        finally:
            left = remove_ipc_objects(key)
            assert_absent([Path("/dev/shm") / host.mark])
        assert "FOUND" not in after.output, f"the next sandbox found it: {after.output}"
        assert not left, f"the sandbox left a SysV {', '.join(left)} on the host"

    yield verify


HOST_CHECKS: dict[str, HostCheck] = {
    "forged_output": forged_output,
    "planted_files": planted_files,
    "proc_snoop": proc_snoop,
    "shadow_modules": shadow_modules,
    "cache_poison": cache_poison,
    "no_leftovers": no_leftovers,
    "output_capped": output_capped,
    "disk_capped": disk_capped,
    "rmtree": rmtree,
    "tcp": tcp,
    "dns": dns,
    "engine_survives": engine_survives,
    "forkserver_escape": forkserver_escape,
    "ipc_private": ipc_private,
    "uts_private": uts_private,
    "next_student": next_student,
    "hidden_output": hidden_output,
    "lease_refused": lease_refused,
}
