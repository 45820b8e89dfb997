"""The Landlock layer: read only the interpreter, packages, grader and the exercise; write only
the workdir; no TCP bind or connect (ABI 4); no abstract Unix socket or signal outside the
sandbox's own domain (ABI 6).

Measured on the development machine (Linux 6.18, Landlock ABI 7, running as root): a first
autograd step in a child of a process that imported torch but never computed reads
`/sys/devices/system/cpu/{kernel_max,possible,present}` and `/proc/cpuinfo` (cpuinfo's lazy
initialisation); those are the only files outside `policy.readable` that Landlock allows for
reading, besides `/dev/null`, `/dev/zero`, `/dev/urandom` and `/dev/random`.
"""

from __future__ import annotations

import ctypes
import glob
import os
import stat
from pathlib import Path

from grader.jail.layers.base import Layer, LayerUnavailable, SandboxPolicy, syscall
from grader.jail.layers.privileges import set_no_new_privs

_LANDLOCK_CREATE_RULESET, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT_SELF = 444, 445, 446
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1, 2, 4, 8
_FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 14, 1 << 15
_FS_READ = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
_FS_FILE_ONLY = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_FS_RIGHTS_SINCE_ABI = ((1, (1 << 13) - 1), (2, 1 << 13), (3, _FS_TRUNCATE), (5, _FS_IOCTL_DEV))
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1, 2

_SYSTEM_READS = (
    "/proc/cpuinfo", "/sys/devices/system/cpu", "/dev/zero", "/dev/urandom", "/dev/random",
)  # fmt: skip
_GPU_DEVICES = ("/dev/nvidia*", "/dev/nvidia-caps", "/dev/dri")
_GPU_READS = (
    "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib",
    "/usr/local/cuda*", "/usr/local/nvidia", "/etc/ld.so.cache", "/proc/driver/nvidia",
    "/sys/bus/pci", "/sys/devices", "/sys/module/nvidia",
)  # fmt: skip


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where Landlock is missing or disabled."""
    try:
        return syscall(_LANDLOCK_CREATE_RULESET, None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
    except (OSError, LayerUnavailable):
        return 0


def restrict_filesystem(policy: SandboxPolicy) -> str:
    """Landlock: read `policy.readable`, write only `policy.workdir`; no TCP bind or connect."""
    abi = landlock_abi()
    if abi < 1:
        raise LayerUnavailable("Landlock is not supported or not enabled")
    handled = sum(bits for since, bits in _FS_RIGHTS_SINCE_ABI if abi >= since)
    attr = _RulesetAttr(handled_access_fs=handled)
    if abi >= 4:
        attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP  # and no rule allows any
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = syscall(_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    try:
        for path, access in _landlock_rules(policy, handled):
            _allow_beneath(ruleset, path, access & handled)
        set_no_new_privs()
        syscall(_LANDLOCK_RESTRICT_SELF, ruleset, 0)
    finally:
        os.close(ruleset)
    return f"ABI {abi}" + ("; TCP bind and connect denied" if abi >= 4 else "")


def _landlock_rules(policy: SandboxPolicy, everything: int) -> list[tuple[Path, int]]:
    rules = [(path, _FS_READ) for path in policy.readable]
    rules += [(Path(path), _FS_READ) for path in _SYSTEM_READS]
    rules.append((Path("/dev/null"), _FS_READ_FILE | _FS_WRITE_FILE | _FS_TRUNCATE))
    if policy.allow_gpu:
        device = _FS_READ_FILE | _FS_WRITE_FILE | _FS_READ_DIR | _FS_IOCTL_DEV
        rules += [(Path(p), device) for pattern in _GPU_DEVICES for p in glob.glob(pattern)]
        rules += [(Path(p), _FS_READ) for pattern in _GPU_READS for p in glob.glob(pattern)]
        rules.append((Path("/proc/self"), _FS_READ | _FS_WRITE_FILE | _FS_TRUNCATE))
    rules.append((policy.workdir, everything))
    return rules


def _allow_beneath(ruleset: int, path: Path, access: int) -> None:
    """Add one path-beneath rule; a path that does not exist is skipped."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            access &= _FS_FILE_ONLY
        if access:
            rule = _PathBeneath(access, fd)
            syscall(_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0)  # PATH_BENEATH
    finally:
        os.close(fd)


LANDLOCK = Layer(
    "landlock", "the sandbox can read and write every file its user can", restrict_filesystem
)
