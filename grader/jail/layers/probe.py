"""Try every layer in a throwaway child, for `grade doctor` and staff commands' refusal.

The calling process is not changed: a child is forked, locks itself down with a throwaway
policy and sends its report back through a pipe; a temporary folder is made and removed.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from grader.jail.layers import State, lock_down
from grader.jail.layers.base import SandboxPolicy, unshare
from grader.jail.layers.namespaces import CLONE_NEWUSER


def list_interpreter_trees() -> tuple[Path, ...]:
    """The interpreter's standard library (under sys.base_prefix) and site-packages trees."""
    paths = sysconfig.get_paths()
    names = ("stdlib", "platstdlib", "purelib", "platlib")
    return tuple(sorted({Path(paths[name]).resolve() for name in names if name in paths}))


def probe_layers(
    disabled: frozenset[str] = frozenset(), cgroup: tuple[Path, ...] = (), timeout_s: float = 10.0
) -> tuple[dict[str, State], float] | str:
    """({layer: (active, note)}, milliseconds the fork and lockdown took), or why none came.

    As root, the user namespace is reported not needed, with whether it would have worked.
    """
    workdir = Path(tempfile.mkdtemp(prefix="grade-doctor-"))
    policy = SandboxPolicy(
        workdir=workdir,
        readable=list_interpreter_trees(),
        cpu_s=max(1, int(timeout_s)),
        memory_mb=1 << 20,  # 1 TiB: exercises RLIMIT_AS without limiting anything
        file_mb=1,
        workdir_tmpfs_mb=1,
        cgroup=cgroup,
        disabled=disabled,
    )
    try:
        started = time.perf_counter()
        outcome = _run_probe_child(policy, time.monotonic() + timeout_s)
        elapsed_ms = (time.perf_counter() - started) * 1000
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return outcome if isinstance(outcome, str) else (outcome, elapsed_ms)


def _run_probe_child(policy: SandboxPolicy, deadline: float) -> dict[str, State] | str:
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        return f"fork failed: {exc.strerror}"
    if pid == 0:
        os.close(read_fd)
        _probe_in_child(policy, write_fd)
    os.close(write_fd)
    data = _read_until_eof(read_fd, deadline)
    status = _reap(pid, deadline)
    try:
        payload = json.loads(data)
    except ValueError:
        return f"probe child sent no report (wait status {status})"
    report: dict[str, State] = {name: (state[0], str(state[1])) for name, state in payload.items()}
    return report


def _probe_in_child(policy: SandboxPolicy, write_fd: int) -> NoReturn:
    try:
        user_namespace = _works_in_grandchild(lambda: unshare(CLONE_NEWUSER, "unshare"))
        report = lock_down(policy)
        if report.get("user_namespace", (False, ""))[0] is None:
            works = "available" if user_namespace else "unavailable"
            report["user_namespace"] = (None, f"not needed: running as root ({works})")
        data = json.dumps(report).encode()
        while data:
            data = data[os.write(write_fd, data) :]
    finally:
        os._exit(0)


def _works_in_grandchild(step: Callable[[], object]) -> bool:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            step()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _read_until_eof(fd: int, deadline: float) -> bytes:
    chunks = []
    try:
        while (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([fd], [], [], remaining)
            chunk = os.read(fd, 65536) if ready else b""
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def _reap(pid: int, deadline: float) -> int:
    """Wait for `pid` until the deadline, then kill its process group and wait for it."""
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.005)
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            continue
    return os.waitpid(pid, 0)[1]
