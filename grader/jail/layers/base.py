"""What every isolation layer shares: the `Layer` object, the policy it reads, system calls.

A layer is one `Layer`: its name, what a sandbox loses without it (the line `grade doctor` and
the degraded report show), and how to apply it to the calling process. `apply` returns a short
note (what it did) or raises: any exception makes the layer missing (`LayerUnavailable` when
the platform cannot provide it); `NotNeeded` means the layer has nothing to do here and is
reported neither active nor missing (as root, a user namespace; where the machine offers no
cgroups, joining one). `required=False` marks such an optional layer for the doctor; switched
off on purpose (`SandboxPolicy.disabled`) every layer is missing, optional or not.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class LayerUnavailable(Exception):
    """The platform cannot provide a layer (not Linux, unknown architecture, old kernel)."""


class NotNeeded(Exception):
    """A layer with nothing to do in this process (reported neither active nor missing)."""


@dataclass(frozen=True)
class SandboxPolicy:
    """What one sandbox process may do.

    `readable` trees are read-only (with execute, for shared libraries); `workdir` is the only
    writable place. `memory_mb=None` sets no address-space limit (CUDA runs). `allow_gpu` also
    allows the NVIDIA device files and driver libraries, and writes beneath the process's own
    `/proc/self`: the CUDA driver writes there while it starts (on an H100 with torch 2.11 and
    driver 580, without that write `cudaGetDeviceCount` failed with error 304, "OS call failed",
    and reading all of `/` did not help). With the PID namespace's private `/proc`, that folder
    is the sandbox's own process and nothing else. `cgroup` is the folder(s) of the cgroup the
    judge made for this sandbox (see `grader.judge.cgroups`), joined before anything forks.
    """

    workdir: Path
    readable: tuple[Path, ...]
    cpu_s: int
    memory_mb: int | None
    file_mb: int
    open_files: int = 256
    allow_gpu: bool = False
    workdir_tmpfs_mb: int | None = None
    cgroup: tuple[Path, ...] = ()
    disabled: frozenset[str] = frozenset()  # layers not even tried (reported missing)


@dataclass(frozen=True)
class Layer:
    """One isolation layer: what it protects against and how to put it in place."""

    name: str
    protects: str  # what a sandbox loses without it: the doctor's and the report's line
    apply: Callable[[SandboxPolicy], str]
    after: tuple[str, ...] = ()  # layers that must be active first (else: "needs ...")
    required: bool = True  # False: a machine may lack it without the run counting as degraded
    when: Callable[[SandboxPolicy], bool] = lambda policy: True  # asked for by this policy?


# ---- system calls ---------------------------------------------------------------------------


def libc() -> ctypes.CDLL:
    if sys.platform != "linux":
        raise LayerUnavailable("needs Linux")
    return ctypes.CDLL(None, use_errno=True)


def check(result: int, what: str) -> int:
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), what)
    return result


def syscall(number: int, *args: object) -> int:
    function = libc().syscall
    function.restype = ctypes.c_long
    converted = [ctypes.c_long(arg) if isinstance(arg, int) else arg for arg in args]
    return check(function(ctypes.c_long(number), *converted), f"syscall {number}")


def prctl(option: int, arg: int = 0, what: str = "prctl") -> int:
    zero = ctypes.c_ulong(0)
    result = libc().prctl(ctypes.c_int(option), ctypes.c_ulong(arg), zero, zero, zero)
    return check(result, what)


def unshare(flags: int, what: str) -> None:
    check(libc().unshare(ctypes.c_int(flags)), what)


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str) -> None:
    result = libc().mount(
        source.encode() if source else None,
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    check(result, f"mount {target}")


def describe(exc: BaseException) -> str:
    """A failure, in a few words: the OS error and its file, or the exception's text."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror}"
    return str(exc) or type(exc).__name__
