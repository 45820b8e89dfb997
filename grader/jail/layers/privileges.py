"""Environment and privilege layers: a clean environment, no new privileges, no capabilities."""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from pathlib import Path

from grader.jail.layers.base import Layer, SandboxPolicy, check, describe, libc, prctl

_PR_CAPBSET_READ, _PR_CAPBSET_DROP = 23, 24
_PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
_CAP_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def scrub_environment(workdir: Path) -> str:
    """Replace the environment with a minimal one that points every cache into `workdir`.

    Also zeroes the process's initial environment block, which /proc/self/environ (and a
    ctypes read of the stack) would otherwise still show. (Not to be confused with
    `grader.judge.sandbox.clean_child_environment`, the judge's for starting the zygote.)
    """
    cache = workdir / ".cache"
    for folder in (workdir / "tmp", cache):
        folder.mkdir(exist_ok=True)
    fresh = {
        "HOME": str(workdir),
        "TMPDIR": str(workdir / "tmp"),
        "XDG_CACHE_HOME": str(cache),
        "TORCHINDUCTOR_CACHE_DIR": str(cache / "torchinductor"),
        "TRITON_CACHE_DIR": str(cache / "triton"),
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    os.environ.clear()  # also empties posix.environ, the same dict
    os.environ.update(fresh)
    sys.dont_write_bytecode = True
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].__dict__["tempdir"] = None  # recomputed from TMPDIR on next use
    try:
        _scrub_initial_environment()
    except OSError as exc:
        return f"initial environment block kept ({describe(exc)})"
    return ""


def _scrub_initial_environment() -> None:
    """Zero the environment block the process started with (through /proc/self/mem, which
    answers EIO rather than crashing if the kernel's addresses were ever stale)."""
    fields = Path("/proc/self/stat").read_text().rpartition(")")[2].split()
    start, end = int(fields[47]), int(fields[48])  # env_start, env_end: fields 50 and 51
    memory = os.open("/proc/self/mem", os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.pwrite(memory, bytes(end - start), start)
    finally:
        os.close(memory)


def set_no_new_privs(policy: SandboxPolicy | None = None) -> str:
    """No execve can grant privileges from now on (setuid bits, file capabilities)."""
    prctl(_PR_SET_NO_NEW_PRIVS, 1, "prctl(PR_SET_NO_NEW_PRIVS)")
    return ""


def drop_capabilities(policy: SandboxPolicy | None = None) -> str:
    """Empty the effective, permitted, inheritable, ambient and bounding capability sets."""
    c = libc()
    kept = []
    for number in range(64):
        if c.prctl(_PR_CAPBSET_READ, ctypes.c_ulong(number), 0, 0, 0) < 0:
            break
        if c.prctl(_PR_CAPBSET_DROP, ctypes.c_ulong(number), 0, 0, 0) < 0:
            kept.append(number)
    c.prctl(_PR_CAP_AMBIENT, ctypes.c_ulong(_PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0)
    header = _CapHeader(_CAP_VERSION_3, 0)
    check(c.capset(ctypes.byref(header), (_CapData * 2)()), "capset")
    if kept and os.geteuid() == 0:
        raise OSError(errno.EPERM, "root keeps its bounding set", "PR_CAPBSET_DROP")
    return "bounding set kept (not root)" if kept else ""


CLEAN_ENV = Layer(
    "clean_env",
    "the sandbox inherits the grader's environment variables",
    lambda policy: scrub_environment(policy.workdir),
)
NO_NEW_PRIVS = Layer(
    "no_new_privs", "setuid programs could raise the sandbox's privileges", set_no_new_privs
)
CAPABILITIES = Layer(
    "capabilities", "a sandbox running as root keeps root's capabilities", drop_capabilities
)
