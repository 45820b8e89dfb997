"""The judge's `Sandbox` handle on its own, against the forked stand-in sandbox of
tests/test_scoring_submission.py (no zygote): what it gives the sandbox to run, how it names a
sandbox that died, what it waits for when it kills one, and the stale-folder sweep's races.

Zygote-free, so that every mutant of grader/judge/sandbox.py can run it first
(benchmarks/mutation.sh); the real sandboxes are in tests/test_sandbox*.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.jail.serve import JailConfig
from grader.jail.zygote import marshalled
from grader.judge import sandbox as sandbox_module
from grader.judge.cgroups import machine_hierarchy
from grader.judge.sandbox import (
    GROUP_EXIT_S,
    Sandbox,
    SandboxOutcome,
    _live_members,
    _run_dir_owner,
    _wait_for_group_exit,
    remove_stale_run_dirs,
)
from tests.test_scoring_submission import LIMITS, STUDENT, StandInEngine

EXTRA = """
import signal

def cpu_spent():
    os.kill(os.getpid(), signal.SIGXCPU)

def terminated():
    os.kill(os.getpid(), signal.SIGTERM)
"""


class Recording(StandInEngine):
    """The stand-in engine, keeping the JailConfig each sandbox was given."""

    def __init__(self) -> None:
        super().__init__()
        self.configs: list[JailConfig] = []

    def process(self, conn: Any, config: JailConfig) -> Any:
        self.configs.append(config)
        return super().process(conn, config)


@pytest.fixture
def engine() -> Iterator[Recording]:
    engine = Recording()
    yield engine
    for proc in engine.launched:
        if proc.exitcode is None:
            proc.kill()
            proc.join(5)


def started(engine: Recording, device: str = "cpu", probes: Path | None = None) -> Sandbox:
    box = Sandbox(engine, LIMITS, device, "exercise7.py", "exercise7", probes_path=probes)
    box.launch().wait_ready()
    box.request("import", 10, "importing exercise7.py", source=STUDENT + EXTRA)
    return box


# ---- what the sandbox is given ---------------------------------------------------------------


def test_a_sandbox_without_probes_is_given_no_code_to_run(engine: Recording) -> None:
    started(engine).close()
    (config,) = engine.configs
    assert config.probes_path is None and config.probes_code == b""


def test_a_sandbox_with_probes_is_given_their_compiled_code(
    engine: Recording, tmp_path: Path
) -> None:
    probes = tmp_path / "probes.py"
    probes.write_text("def seen():\n    return 1\n")
    started(engine, probes=probes).close()
    (config,) = engine.configs
    assert config.probes_path == str(probes)
    assert config.probes_code == marshalled(str(probes)) and config.probes_code


def test_the_capture_file_is_the_judges_alone_until_the_sandbox_opens_it(
    engine: Recording,
) -> None:
    box = started(engine)
    try:
        found = (box.run_dir / "output.txt").stat()
        assert stat.S_IMODE(found.st_mode) == 0o600 and found.st_uid == os.getuid()
        assert box._output_fd >= 0 and box.output(100) == "imported\n"
    finally:
        box.close()
    assert box._output_fd == -1 and not box.run_dir.exists()


def test_a_handle_never_launched_reads_no_output_and_holds_no_descriptor() -> None:
    box = Sandbox(StandInEngine(), LIMITS, "cpu", "exercise7.py", "exercise7")
    assert box._output_fd == -1 and box.output(100) == ""


# ---- how a sandbox that died is named ----------------------------------------------------------


class OomCgroup:
    """A cgroup whose kernel says it killed a process for the memory limit."""

    def __init__(self, killed: bool) -> None:
        self.killed, self.removed = killed, False

    def oom_killed(self) -> bool:
        return self.killed

    def kill(self) -> None:
        pass

    def remove_later(self) -> None:
        self.removed = True


@pytest.mark.parametrize(
    ("name", "oom", "verdict", "message"),
    [
        (
            "die",
            True,
            "memory",
            f"calling die used more than {LIMITS.memory_mb} MB in all its processes",
        ),
        ("die", False, "crashed", "the process exited (code 3) during calling die"),
        (
            "cpu_spent",
            False,
            "timeout",
            f"calling cpu_spent used up its CPU time ({LIMITS.cpu_s} s)",
        ),
        (
            "terminated",
            False,
            "crashed",
            "the process was killed by SIGTERM during calling terminated",
        ),
    ],
)
def test_a_sandbox_that_died_is_told_by_how_it_ended(
    engine: Recording, name: str, oom: bool, verdict: str, message: str
) -> None:
    box = started(engine)
    cgroup = OomCgroup(oom)
    box.cgroup = cgroup  # type: ignore[assignment]
    with pytest.raises(SandboxOutcome) as raised:
        box.request("call", 10, f"calling {name}", name=name, args=[], kwargs={})
    box.close()
    assert (raised.value.verdict, raised.value.message) == (verdict, message)
    assert cgroup.removed and box.cgroup is None


# ---- a CUDA sandbox's cgroup and its kill ------------------------------------------------------


needs_cgroups = pytest.mark.skipif(
    machine_hierarchy() is None or os.geteuid() != 0, reason="no cgroup hierarchy to write here"
)


def memory_limit(box: Sandbox) -> str | None:
    assert box.cgroup is not None
    folder = box.cgroup.folders.get("memory")
    if folder is None:
        return None
    for name in ("memory.max", "memory.limit_in_bytes"):
        if (folder / name).exists():
            return (folder / name).read_text().strip()
    return None


@needs_cgroups
@pytest.mark.parametrize("device", ["cpu", "cuda:0"])
def test_only_a_cpu_sandboxs_cgroup_limits_its_memory(engine: Recording, device: str) -> None:
    engine.cgroups = machine_hierarchy()
    box = Sandbox(engine, LIMITS, device, "exercise7.py", "exercise7")
    box._make_cgroup()
    try:
        assert box.cgroup is not None and not box._cgroup_error
        limit = memory_limit(box)
        if device == "cpu":
            assert limit is not None and int(limit) == LIMITS.memory_mb * 1024 * 1024
        else:  # the GPU driver's host memory is not the student's
            assert limit is None or limit == "max" or int(limit) > 2**60
    finally:
        box.cgroup.kill()
        box.cgroup.remove_later()


@pytest.mark.parametrize(("device", "waits"), [("cpu", False), ("cuda", True), ("cuda:1", True)])
def test_killing_a_cuda_sandbox_waits_for_its_whole_group(
    engine: Recording, monkeypatch: pytest.MonkeyPatch, device: str, waits: bool
) -> None:
    waited: list[tuple[int, float]] = []
    monkeypatch.setattr(sandbox_module, "_wait_for_group_exit", lambda *a: waited.append(a))
    box = started(engine, device)
    pid = box.proc.pid
    box.close()
    assert waited == ([(pid, GROUP_EXIT_S)] if waits else [])
    box.close()  # twice: nothing more is killed or waited for
    assert len(waited) == int(waits)


# ---- waiting for a process group to be gone ----------------------------------------------------


@pytest.fixture
def group() -> Iterator[subprocess.Popen[bytes]]:
    """A sleeping process that leads a group of its own."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    yield child
    child.kill()
    child.wait()


def test_a_live_process_is_a_member_of_its_group_and_of_no_other(
    group: subprocess.Popen[bytes],
) -> None:
    assert _live_members(group.pid)
    assert _live_members(os.getpgid(0))  # this test's own group: it runs
    assert not _live_members(2**22 + 7)  # no such group


def test_a_zombie_is_not_a_live_member(group: subprocess.Popen[bytes]) -> None:
    os.kill(group.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # killed, not reaped: a zombie
        state = Path(f"/proc/{group.pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        if state in (b"Z", b"X"):
            break
        time.sleep(0.01)
    assert not _live_members(group.pid)


def test_the_wait_ends_as_soon_as_the_group_is_gone(group: subprocess.Popen[bytes]) -> None:
    group.kill()
    group.wait()
    began = time.monotonic()
    _wait_for_group_exit(group.pid, 5.0)
    assert time.monotonic() - began < 1.0


def test_the_wait_for_a_live_group_ends_at_its_limit(group: subprocess.Popen[bytes]) -> None:
    began = time.monotonic()
    _wait_for_group_exit(group.pid, 0.5)
    assert 0.5 <= time.monotonic() - began < 2.0
    assert group.poll() is None  # waiting kills nothing


# ---- the stale-folder sweep's races -----------------------------------------------------------


def stale(folder: Path, pid: int, n: int) -> list[Path]:
    made = []
    for i in range(n):
        path = folder / f"{_run_dir_owner()}-{pid}-{i}x"
        (path / "work").mkdir(parents=True)
        made.append(path)
    return made


def test_a_folder_another_judge_removed_meanwhile_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = stale(tmp_path, 999_001, 3)
    real_kill = os.kill

    def gone_meanwhile(pid: int, sig: int) -> None:
        if pid != 999_001:
            return real_kill(pid, sig)
        for path in paths:  # another judge's start swept them between our look and our removal
            if path.exists():
                shutil.rmtree(path)
                break
        raise ProcessLookupError(pid)

    monkeypatch.setattr(os, "kill", gone_meanwhile)
    remove_stale_run_dirs(tmp_path)
    assert not any(path.exists() for path in paths)


def test_a_judge_the_sweep_may_not_signal_stops_no_other_removal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live judge of another user (EPERM) among dead ones, in any order of the listing."""
    others = [path for i in range(4) for path in stale(tmp_path, 999_100 + i, 1)]
    dead = [path for i in range(4) for path in stale(tmp_path, 999_200 + i, 1)]
    real_kill = os.kill

    def signal_(pid: int, sig: int) -> None:
        if 999_100 <= pid < 999_104:
            raise PermissionError(pid)
        if 999_200 <= pid < 999_204:
            raise ProcessLookupError(pid)
        return real_kill(pid, sig)

    monkeypatch.setattr(os, "kill", signal_)
    removed = remove_stale_run_dirs(tmp_path)
    assert sorted(removed) == sorted(dead)
    assert all(path.exists() for path in others) and not any(path.exists() for path in dead)


def test_a_group_is_told_apart_from_a_session() -> None:
    """A process that leads a group inside this test's session: its group is its pid, its
    session is not."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], process_group=0)
    try:
        assert os.getpgid(child.pid) == child.pid and os.getsid(child.pid) != child.pid
        assert _live_members(child.pid)
    finally:
        child.kill()
        child.wait()


def test_a_member_whose_name_holds_parentheses_is_still_read() -> None:
    """A process names itself (up to 15 bytes): the sandbox's could choose "p) S 1 (q)" to
    confuse a reader of /proc/PID/stat."""
    code = (
        "import time\n"
        "with open('/proc/self/comm', 'w') as f: f.write('p) S 1 (q)')\n"
        "print('named', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], start_new_session=True, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"named\n"
        assert Path(f"/proc/{child.pid}/comm").read_text().strip() == "p) S 1 (q)"
        assert _live_members(child.pid)
    finally:
        child.kill()
        child.wait()


def test_the_wait_ends_soon_after_the_last_member_is_gone() -> None:
    """The group's last process exits 0.2 s into the wait: it ends then, not a poll later."""
    code = "import time\nprint('started', flush=True)\ntime.sleep(0.2)\n"
    child = subprocess.Popen(
        [sys.executable, "-c", code], start_new_session=True, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"started\n"
        began = time.monotonic()
        assert _live_members(child.pid)
        _wait_for_group_exit(child.pid, 5.0)
        assert 0.1 < time.monotonic() - began < 0.8
    finally:
        child.kill()
        child.wait()


class Refusing(StandInEngine):
    """An engine that cannot start the sandbox process (a zygote that will not fork)."""

    def process(self, conn: Any, config: JailConfig) -> Any:
        raise sandbox_module.EngineError("the zygote could not fork")


def test_a_sandbox_that_never_started_is_closed_cleanly() -> None:
    box = Sandbox(Refusing(), LIMITS, "cpu", "exercise7.py", "exercise7")
    with pytest.raises(sandbox_module.EngineError):
        box.launch()
    assert box.run_dir.exists() and box._output_fd >= 0
    box.close()  # nothing to kill: the folder and the descriptor still go
    assert not box.run_dir.exists() and box._output_fd == -1
