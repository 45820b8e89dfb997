"""Isolation layers: a freshly forked sandbox child locks itself down before student code loads.

`apply_policy` runs every layer, cheapest first, and reports which ones took effect; a layer the
platform cannot provide (macOS, an old kernel, a container without `unshare`) is reported missing
and the others still apply. Order matters and is fixed here:

1. `session`: `setsid`, so the whole sandbox can be killed as one process group.
2. `user_namespace` (only when not root: as root it is reported False, "not needed"), then
   `network_namespace` (no interfaces at all, not even loopback), `mount_namespace` (all mounts
   made private first).
3. `pid_namespace`: see `enter_pid_namespace`. With a private mount table, a fresh `/proc` is
   mounted so it lists only the sandbox's processes, and the namespace's tasks are capped
   (`cap_tasks`, Linux 6.14 and later: a fork or thread bomb stops there).
4. `workdir_tmpfs` (opt-in, `SandboxPolicy.workdir_tmpfs_mb`): a size-limited tmpfs over the
   workdir, private to the sandbox. RLIMIT_FSIZE caps each file; only a tmpfs caps the total. It
   is opt-in because what the sandbox writes there is gone when it exits (whatever the workdir
   held before is copied in); the key appears only when asked for.
5. `clean_env`, `no_new_privs`, `capabilities` (root's capabilities are dropped, bounding set
   included, so a sandbox that runs as root is root without privileges), `landlock`, `rlimits`
   (after Landlock, which needs a few file descriptors), and `seccomp` last.

Measured on the development machine (Linux 6.18, Landlock ABI 7, running as root): a first
autograd step in a child of a process that imported torch but never computed reads
`/sys/devices/system/cpu/{kernel_max,possible,present}` and `/proc/cpuinfo` (cpuinfo's lazy
initialisation); those are the only files outside `policy.readable` that Landlock allows for
reading, besides `/dev/null`, `/dev/zero`, `/dev/urandom` and `/dev/random`.

`lock_down` returns the same report with a note per layer (why it is missing, or what it did),
for `Isolation.notes`. The layers act on the calling process and are meant for a child that was
just forked: one thread, nothing of the student's loaded yet. `probe_layers` tries them in a
throwaway child for `grade doctor` and never changes the calling process.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import json
import os
import platform
import re
import resource
import select
import signal
import stat
import sys
import sysconfig
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

LAYERS: tuple[str, ...] = (
    "session",
    "user_namespace",
    "network_namespace",
    "mount_namespace",
    "pid_namespace",
    "clean_env",
    "no_new_privs",
    "capabilities",
    "landlock",
    "rlimits",
    "seccomp",
)
"""The keys `apply_policy` always reports (plus `workdir_tmpfs` when the policy asks for it)."""

MEANINGS = types.MappingProxyType(
    {
        "session": "the sandbox cannot be killed as one process group",
        "user_namespace": "no user namespaces: the other namespaces need root",
        "network_namespace": "the sandbox shares the host's network",
        "mount_namespace": "the sandbox shares the host's mounts (no private /proc, no tmpfs)",
        "pid_namespace": "the sandbox sees host processes, and daemons it starts outlive it",
        "workdir_tmpfs": "the sandbox's total disk use is not capped",
        "clean_env": "the sandbox inherits the grader's environment variables",
        "no_new_privs": "setuid programs could raise the sandbox's privileges",
        "capabilities": "a sandbox running as root keeps root's capabilities",
        "landlock": "the sandbox can read and write every file its user can",
        "rlimits": "no CPU, memory, file-size or open-file limits inside the sandbox",
        "seccomp": "no system-call filter: inet sockets, connect (the zygote's socket), ptrace, "
        "chmod and utime (on the host's files, as root) and kernel interfaces stay open",
        "fork": "cannot fork a sandbox process",
        "landlock_abi": "Landlock is not available on this kernel",
        "cgroups": "no delegated cgroup v2: memory and process counts are bounded by rlimits only",
    }
)
"""What a grader loses when a layer is missing: the line `grade doctor` shows."""

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_CLONE_NAMESPACES = 0x7E020000  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_SET_SECCOMP = 1, 4, 22
_PR_CAPBSET_READ, _PR_CAPBSET_DROP = 23, 24
_PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
_CAP_VERSION_3 = 0x20080522
_INIT_FAILED = 70  # exit status of a waiter or init that could not do its job
_TASK_PID_MAX = 512  # the sandbox's PID namespace never has this many tasks (see cap_tasks)

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

_BPF_LD_ABS, _BPF_JEQ, _BPF_JGE, _BPF_JSET, _BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
_RET_ALLOW, _RET_ERRNO, _RET_KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
_NR_OFFSET, _ARCH_OFFSET, _ARG0_OFFSET = 0, 4, 16  # struct seccomp_data, little-endian args
_X32_SYSCALL_BIT = 0x40000000
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, _SECCOMP_MODE_FILTER = 1, 1, 2


@dataclass(frozen=True)
class _Arch:
    """System-call numbers the seccomp filter needs, for one architecture."""

    audit: int
    seccomp: int
    socket: int
    clone: int
    clone3: int
    denied: tuple[int, ...]  # answered with EPERM
    x32_bit: bool


# denied, in order: ptrace process_vm_readv process_vm_writev keyctl add_key request_key bpf
# perf_event_open userfaultfd mount umount2 pivot_root chroot open_tree move_mount fsopen fsconfig
# fsmount fspick mount_setattr unshare setns io_uring_setup io_uring_enter io_uring_register
# kexec_load kexec_file_load init_module finit_module delete_module open_by_handle_at
# name_to_handle_at reboot swapon swapoff syslog acct quotactl settimeofday clock_settime
# clock_adjtime adjtimex sethostname setdomainname fanotify_init [x86_64: iopl ioperm]
# then connect (every family: the judge's socket comes connected, and a Unix socket such as the
# forkserver's would hand out unconfined processes), and the metadata calls Landlock does not
# govern, which a sandbox running as root could aim at any root-owned file (chmod u+s, utime):
# fchmod fchmodat fchmodat2 fchown fchownat utimensat setxattr lsetxattr fsetxattr removexattr
# lremovexattr fremovexattr setxattrat removexattrat [x86_64: chmod chown lchown utime utimes
# futimesat]
_ARCHES = (
    ("x86_64", _Arch(0xC000003E, 317, 41, 56, 435, (
        101, 310, 311, 250, 248, 249, 321, 298, 323, 165, 166, 155, 161, 428, 429, 430, 431,
        432, 433, 442, 272, 308, 425, 426, 427, 246, 320, 175, 313, 176, 304, 303, 169, 167,
        168, 103, 163, 179, 164, 227, 305, 159, 170, 171, 300, 172, 173,
        42, 91, 268, 452, 93, 260, 280, 188, 189, 190, 197, 198, 199, 463, 466,
        90, 92, 94, 132, 235, 261), x32_bit=True)),
    ("aarch64", _Arch(0xC00000B7, 277, 198, 220, 435, (
        117, 270, 271, 219, 217, 218, 280, 241, 282, 40, 39, 41, 51, 428, 429, 430, 431,
        432, 433, 442, 97, 268, 425, 426, 427, 104, 294, 105, 273, 106, 265, 264, 142, 224,
        225, 116, 89, 60, 170, 112, 266, 171, 161, 162, 262,
        203, 52, 53, 452, 55, 54, 88, 5, 6, 7, 14, 15, 16, 463, 466), x32_bit=False)),
)  # fmt: skip


class LayerUnavailable(Exception):
    """The platform cannot provide a layer (not Linux, unknown architecture, old kernel)."""


@dataclass(frozen=True)
class SandboxPolicy:
    """What one sandbox process may do.

    `readable` trees are read-only (with execute, for shared libraries); `workdir` is the only
    writable place. `memory_mb=None` sets no address-space limit (CUDA runs). `allow_gpu` also
    allows the NVIDIA device files and driver libraries, and writes beneath the process's own
    `/proc/self`: the CUDA driver writes there while it starts (on an H100 with torch 2.11 and
    driver 580, without that write `cudaGetDeviceCount` failed with error 304, "OS call failed",
    and reading all of `/` did not help). With the PID namespace's private `/proc`, that folder
    is the sandbox's own process and nothing else.
    """

    workdir: Path
    readable: tuple[Path, ...]
    cpu_s: int
    memory_mb: int | None
    file_mb: int
    open_files: int = 256
    allow_gpu: bool = False
    workdir_tmpfs_mb: int | None = None
    disabled: frozenset[str] = frozenset()  # layers not even tried (reported missing)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def apply_policy(policy: SandboxPolicy) -> dict[str, bool]:
    """Lock down the calling process. Returns {layer: active} for every layer in `LAYERS`.

    May fork (see `enter_pid_namespace`): the caller continues in a new process.
    """
    return {name: active for name, (active, _) in lock_down(policy).items()}


def lock_down(policy: SandboxPolicy) -> dict[str, tuple[bool, str]]:
    """`apply_policy` with a note per layer: why it is missing, or what it did.

    A layer named in `policy.disabled` is not tried and is reported missing, as on a machine
    that lacks it (how the degraded path is tested, and a way out should a layer misbehave).
    """
    report: dict[str, tuple[bool, str]] = {}

    def attempt(name: str, layer: Callable[[], str]) -> bool:
        if name in policy.disabled:
            report[name] = (False, "disabled by the grader's settings")
            return False
        return _attempt(report, name, layer)

    attempt("session", start_session)
    attempt("user_namespace", enter_user_namespace)
    attempt("network_namespace", enter_network_namespace)
    private_mounts = attempt("mount_namespace", enter_mount_namespace)
    if attempt("pid_namespace", _fork_into_pid_namespace) and private_mounts:
        report["pid_namespace"] = (True, _attempt_note(mount_proc_and_cap_tasks))
    if policy.workdir_tmpfs_mb is not None:
        size_mb = policy.workdir_tmpfs_mb
        if private_mounts:
            attempt("workdir_tmpfs", lambda: mount_workdir_tmpfs(policy.workdir, size_mb))
        else:
            report["workdir_tmpfs"] = (False, "needs a mount namespace")
    attempt("clean_env", lambda: clean_environment(policy.workdir))
    attempt("no_new_privs", set_no_new_privs)
    attempt("capabilities", drop_capabilities)
    attempt("landlock", lambda: restrict_filesystem(policy))
    attempt("rlimits", lambda: set_rlimits(policy))
    attempt("seccomp", install_seccomp)
    return report


def _attempt(report: dict[str, tuple[bool, str]], name: str, layer: Callable[[], str]) -> bool:
    """Run one layer; a failure is recorded, never raised."""
    try:
        report[name] = (True, layer())
    except Exception as exc:  # noqa: BLE001 - any failure only makes the layer missing
        report[name] = (False, _describe(exc))
    return report[name][0]


def _attempt_note(step: Callable[[], str]) -> str:
    try:
        return step()
    except Exception as exc:  # noqa: BLE001
        return _describe(exc)


def _describe(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror}"
    return str(exc) or type(exc).__name__


# ---- system calls ---------------------------------------------------------------------------


def _libc() -> ctypes.CDLL:
    if sys.platform != "linux":
        raise LayerUnavailable("needs Linux")
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> int:
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), what)
    return result


def _syscall(number: int, *args: object) -> int:
    function = _libc().syscall
    function.restype = ctypes.c_long
    converted = [ctypes.c_long(arg) if isinstance(arg, int) else arg for arg in args]
    return _check(function(ctypes.c_long(number), *converted), f"syscall {number}")


def _prctl(option: int, arg: int = 0, what: str = "prctl") -> int:
    zero = ctypes.c_ulong(0)
    result = _libc().prctl(ctypes.c_int(option), ctypes.c_ulong(arg), zero, zero, zero)
    return _check(result, what)


def _unshare(flags: int, what: str) -> None:
    _check(_libc().unshare(ctypes.c_int(flags)), what)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str) -> None:
    result = _libc().mount(
        source.encode() if source else None,
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    _check(result, f"mount {target}")


def _current_arch() -> _Arch:
    machine = platform.machine()
    for name, arch in _ARCHES:
        if name == machine:
            return arch
    raise LayerUnavailable(f"no seccomp filter for {machine}")


# ---- session and namespaces -----------------------------------------------------------------


def start_session() -> str:
    """Become the leader of a new session and process group."""
    try:
        os.setsid()
    except PermissionError:
        if os.getsid(0) != os.getpid():
            raise
        return "already a session leader"
    return ""


def enter_user_namespace() -> str:
    """Unshare a user namespace mapping the caller to root inside (only needed when not root)."""
    uid, gid = os.geteuid(), os.getegid()
    if uid == 0:
        raise LayerUnavailable("not needed: running as root")
    _prctl(_PR_SET_DUMPABLE, 1)  # after a setuid, /proc/self/*_map would belong to root
    _unshare(_CLONE_NEWUSER, "unshare(CLONE_NEWUSER)")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
    Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    return f"uid {uid} is root inside"


def enter_network_namespace() -> str:
    """A network namespace with no interface up: no connection goes anywhere, even loopback."""
    _unshare(_CLONE_NEWNET, "unshare(CLONE_NEWNET)")
    return "no interfaces"


def enter_mount_namespace() -> str:
    """A private copy of the mount table; nothing mounted here propagates back to the host."""
    _unshare(_CLONE_NEWNS, "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE, "")
    return ""


def mount_proc() -> str:
    """Mount a fresh /proc (inside a PID and a mount namespace: it lists only the sandbox)."""
    _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "")
    return "sandbox is PID 2 under a reaping init; fresh /proc"


def mount_proc_and_cap_tasks() -> str:
    """`mount_proc`, then `cap_tasks`; the note says what each did (a cap that fails is noted)."""
    note = mount_proc()
    try:
        return f"{note}; {cap_tasks()}"
    except (OSError, LayerUnavailable) as exc:
        return f"{note}; tasks not capped ({_describe(exc)})"


def cap_tasks(pid_max: int = _TASK_PID_MAX) -> str:
    """Bound the tasks (processes and threads) of the calling process's PID namespace.

    Since Linux 6.14 `kernel.pid_max` belongs to each PID namespace, and a fork or a thread
    fails with EAGAIN once no number below it is free: a fork or thread bomb stops below
    `pid_max` tasks instead of filling the host's PID table. (Once numbers have wrapped, new
    ones come from 300 up, so the bound is then `pid_max - 300`.) As root, RLIMIT_NPROC binds
    nothing, so this is the only bound short of a cgroup. Before 6.14 the file is the host's
    own setting: it is never written there, nor outside a PID namespace of our own.
    """
    release = tuple(int(part) for part in re.findall(r"\d+", platform.release())[:2])
    if release < (6, 14):
        raise LayerUnavailable(f"kernel {platform.release()} shares pid_max with the host")
    if os.getpid() > 2:
        raise LayerUnavailable("not PID 2 of a PID namespace of our own")
    Path("/proc/sys/kernel/pid_max").write_text(str(pid_max))
    return f"fewer than {pid_max} tasks"


def mount_workdir_tmpfs(workdir: Path, size_mb: int) -> str:
    """Cover `workdir` with a tmpfs of `size_mb` (inside a mount namespace), keeping its files."""
    import shutil

    underneath = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        options = f"size={size_mb}m,mode=0700"
        _mount("tmpfs", str(workdir), "tmpfs", _MS_NOSUID | _MS_NODEV, options)
        shutil.copytree(f"/proc/self/fd/{underneath}", workdir, symlinks=True, dirs_exist_ok=True)
    finally:
        os.close(underneath)
    return f"{size_mb} MiB"


def enter_pid_namespace() -> bool:
    """Continue in a new PID namespace; False (and no change) where that is not permitted.

    The caller's process stays outside as a waiter: it exits with the sandbox's exit status, or
    re-raises the signal that killed it, so whoever waits for it sees the sandbox's fate. Inside,
    a small init (PID 1) reaps orphans and forks the sandbox, which is PID 2 and returns here.
    When the sandbox exits, the init exits and the kernel kills everything left in the namespace,
    double-forked daemons included. Both die with their parent (PR_SET_PDEATHSIG).

    Why not continue as PID 1, as first sketched: a namespace's init ignores every signal it has
    no handler for unless the kernel forces it. Measured here: RLIMIT_CPU's SIGXCPU was ignored
    (the hard limit's SIGKILL ended it a second later), abort() ended as SIGSEGV, SIGTERM did
    nothing. As PID 2 the sandbox dies as an ordinary process; the extra fork costs ~5 ms.
    """
    try:
        _fork_into_pid_namespace()
    except (OSError, LayerUnavailable):
        return False
    return True


def _fork_into_pid_namespace() -> str:
    _unshare(_CLONE_NEWPID, "unshare(CLONE_NEWPID)")
    status_read, status_write = os.pipe()
    init = os.fork()
    if init != 0:
        os.close(status_write)
        _wait_and_mirror(init, status_read)
    try:
        os.close(status_read)
        _die_with_parent(status_write)
        sandbox = os.fork()
    except BaseException:  # noqa: BLE001 - this process must never return to the caller
        os._exit(_INIT_FAILED)
    if sandbox != 0:
        _reap_until(sandbox, status_write)
    os.close(status_write)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    return "sandbox is PID 2 under a reaping init"


def _die_with_parent(pipe_write: int) -> None:
    """Be killed with the parent; exit now if it is already gone (its read end is closed)."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    poller = select.poll()
    poller.register(pipe_write, select.POLLOUT)
    if any(events & select.POLLERR for _, events in poller.poll(0)):
        os._exit(_INIT_FAILED)


def _wait_and_mirror(init: int, status_read: int) -> NoReturn:
    """Outside the namespace: wait for the init, then end as the sandbox ended."""
    try:
        _close_fds_except(status_read)
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        _, own_status = os.waitpid(init, 0)
        reported = os.read(status_read, 4)
        status = int.from_bytes(reported, "little") if len(reported) == 4 else own_status
        if os.WIFSIGNALED(status):
            _reraise(os.WTERMSIG(status))
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else _INIT_FAILED)
    except BaseException:  # noqa: BLE001 - this process must never return to the caller
        os._exit(_INIT_FAILED)


def _reap_until(sandbox: int, status_write: int) -> NoReturn:
    """PID 1: reap every child until the sandbox ends, pass its status out, then exit."""
    code = 0
    try:
        _close_fds_except(status_write)
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a namespace init ignores default signals
        while True:
            pid, status = os.waitpid(-1, 0)
            if pid == sandbox:
                os.write(status_write, status.to_bytes(4, "little"))
                break
    except BaseException:  # noqa: BLE001 - this process must never return to the caller
        code = _INIT_FAILED
    os._exit(code)


def _reraise(number: int) -> NoReturn:
    """End this process by the signal `number`, without a core dump."""
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if number not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {number})
        os.kill(os.getpid(), number)
    finally:
        os._exit(128 + number)


def _close_fds_except(keep: int) -> None:
    """Close every descriptor above stderr but `keep`: a waiter holds none of the sandbox pipes."""
    os.closerange(3, keep)
    os.closerange(keep + 1, max(keep + 2, os.sysconf("SC_OPEN_MAX")))


# ---- environment, privileges, limits --------------------------------------------------------


def clean_environment(workdir: Path) -> str:
    """Replace the environment with a minimal one that points every cache into `workdir`.

    Also zeroes the process's initial environment block, which /proc/self/environ (and a
    ctypes read of the stack) would otherwise still show.
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
        return f"initial environment block kept ({_describe(exc)})"
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


def set_no_new_privs() -> str:
    """No execve can grant privileges from now on (setuid bits, file capabilities)."""
    _prctl(_PR_SET_NO_NEW_PRIVS, 1, "prctl(PR_SET_NO_NEW_PRIVS)")
    return ""


def drop_capabilities() -> str:
    """Empty the effective, permitted, inheritable, ambient and bounding capability sets."""
    libc = _libc()
    kept = []
    for number in range(64):
        if libc.prctl(_PR_CAPBSET_READ, ctypes.c_ulong(number), 0, 0, 0) < 0:
            break
        if libc.prctl(_PR_CAPBSET_DROP, ctypes.c_ulong(number), 0, 0, 0) < 0:
            kept.append(number)
    libc.prctl(_PR_CAP_AMBIENT, ctypes.c_ulong(_PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0)
    header = _CapHeader(_CAP_VERSION_3, 0)
    _check(libc.capset(ctypes.byref(header), (_CapData * 2)()), "capset")
    if kept and os.geteuid() == 0:
        raise OSError(errno.EPERM, "root keeps its bounding set", "PR_CAPBSET_DROP")
    return "bounding set kept (not root)" if kept else ""


def set_rlimits(policy: SandboxPolicy) -> str:
    """CPU, address space, file size (writes past it fail with EFBIG), open files, no cores."""
    mib = 1024 * 1024
    limits = [
        (resource.RLIMIT_CPU, policy.cpu_s, policy.cpu_s + 1),  # SIGXCPU, then SIGKILL
        (resource.RLIMIT_FSIZE, policy.file_mb * mib, policy.file_mb * mib),
        (resource.RLIMIT_NOFILE, policy.open_files, policy.open_files),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    if policy.memory_mb is not None:
        limits.append((resource.RLIMIT_AS, policy.memory_mb * mib, policy.memory_mb * mib))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    for which, soft, hard in limits:
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
        resource.setrlimit(which, (min(soft, hard), hard))
    return "no address-space limit" if policy.memory_mb is None else ""


# ---- Landlock -------------------------------------------------------------------------------


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where Landlock is missing or disabled."""
    try:
        return _syscall(_LANDLOCK_CREATE_RULESET, None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
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
    ruleset = _syscall(_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    try:
        for path, access in _landlock_rules(policy, handled):
            _allow_beneath(ruleset, path, access & handled)
        set_no_new_privs()
        _syscall(_LANDLOCK_RESTRICT_SELF, ruleset, 0)
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
            _syscall(_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0)  # PATH_BENEATH
    finally:
        os.close(fd)


# ---- seccomp --------------------------------------------------------------------------------


def install_seccomp() -> str:
    """A deny-list filter: EPERM for non-AF_UNIX sockets, connect, ptrace, namespaces, mounts,
    keyrings, bpf, io_uring, kernel modules, other host-wide calls, and changes of file mode,
    owner, times and extended attributes; ENOSYS for clone3 (whose flags a filter cannot read;
    libc falls back to clone); the process is killed on a foreign arch."""
    arch = _current_arch()
    program = _seccomp_program(arch)
    filters = (_SockFilter * len(program))(*(_SockFilter(*op) for op in program))
    fprog = _SockFprog(len(program), filters)
    set_no_new_privs()
    try:
        _syscall(arch.seccomp, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC,
                 ctypes.byref(fprog))  # fmt: skip
    except OSError as exc:
        if exc.errno != errno.ENOSYS:
            raise
        result = _libc().prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0)
        _check(result, "prctl(PR_SET_SECCOMP)")
    return f"{len(arch.denied)} calls denied, and sockets other than AF_UNIX, namespace clones"


_Op = tuple[int, str | None, str | None, int]


def _seccomp_program(arch: _Arch) -> list[tuple[int, int, int, int]]:
    load, jeq, ret = _BPF_LD_ABS, _BPF_JEQ, _BPF_RET
    code: list[_Op | str] = [
        (load, None, None, _ARCH_OFFSET),
        (jeq, None, "kill", arch.audit),
        (load, None, None, _NR_OFFSET),
    ]
    if arch.x32_bit:
        code.append((_BPF_JGE, "eperm", None, _X32_SYSCALL_BIT))
    code += [(jeq, "socket", None, arch.socket), (jeq, "clone", None, arch.clone)]
    code += [(jeq, "enosys", None, arch.clone3)]
    code += [(jeq, "eperm", None, number) for number in arch.denied]
    code += [
        (ret, None, None, _RET_ALLOW),
        "socket", (load, None, None, _ARG0_OFFSET), (jeq, "allow", "eperm", 1),  # AF_UNIX
        "clone", (load, None, None, _ARG0_OFFSET), (_BPF_JSET, "eperm", "allow", _CLONE_NAMESPACES),
        "allow", (ret, None, None, _RET_ALLOW),
        "eperm", (ret, None, None, _RET_ERRNO | errno.EPERM),
        "enosys", (ret, None, None, _RET_ERRNO | errno.ENOSYS),
        "kill", (ret, None, None, _RET_KILL_PROCESS),
    ]  # fmt: skip
    return _assemble(code)


def _assemble(code: list[_Op | str]) -> list[tuple[int, int, int, int]]:
    """Resolve label names into BPF's forward jump offsets."""
    labels: dict[str, int] = {}
    ops: list[_Op] = []
    for item in code:
        if isinstance(item, str):
            labels[item] = len(ops)
        else:
            ops.append(item)

    def offset(index: int, label: str | None) -> int:
        distance = 0 if label is None else labels[label] - index - 1
        if not 0 <= distance <= 255:
            raise ValueError(f"seccomp jump to {label} out of range")
        return distance

    return [(op, offset(i, jt), offset(i, jf), k) for i, (op, jt, jf, k) in enumerate(ops)]


# ---- paths and the doctor's probe -----------------------------------------------------------


def list_interpreter_trees() -> tuple[Path, ...]:
    """The interpreter's standard library (under sys.base_prefix) and site-packages trees."""
    paths = sysconfig.get_paths()
    names = ("stdlib", "platstdlib", "purelib", "platlib")
    return tuple(sorted({Path(paths[name]).resolve() for name in names if name in paths}))


def probe_layers(timeout_s: float = 10.0) -> dict[str, tuple[bool, str]]:
    """For `grade doctor`: {layer: (works, note)}, tried in a throwaway child.

    Keys: every layer in `LAYERS`, `workdir_tmpfs`, `fork` (with the time a fork and a full
    lockdown took), `landlock_abi` and `cgroups`. A missing layer's note says what that costs.
    The calling process is not changed (a temporary folder is made and removed).
    """
    import shutil
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="grade-doctor-"))
    try:
        started = time.perf_counter()
        outcome = _run_probe_child(workdir, timeout_s)
        elapsed_ms = (time.perf_counter() - started) * 1000
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if isinstance(outcome, str):
        report = {name: (False, f"{MEANINGS[name]} ({outcome})") for name in _PROBED}
        report["fork"] = (False, f"{MEANINGS['fork']} ({outcome})")
    else:
        report = outcome
        report["fork"] = (True, f"fork and lockdown took {elapsed_ms:.0f} ms")
    abi = landlock_abi()
    report["landlock_abi"] = (abi > 0, f"ABI {abi}" if abi else MEANINGS["landlock_abi"])
    report["cgroups"] = _probe_cgroups()
    return report


_PROBED = (*LAYERS, "workdir_tmpfs")


def _run_probe_child(workdir: Path, timeout_s: float) -> dict[str, tuple[bool, str]] | str:
    """Lock down a child with a throwaway policy; its report, or why there is none."""
    policy = SandboxPolicy(
        workdir=workdir,
        readable=list_interpreter_trees(),
        cpu_s=max(1, int(timeout_s)),
        memory_mb=1 << 20,  # 1 TiB: exercises RLIMIT_AS without limiting anything
        file_mb=1,
        workdir_tmpfs_mb=1,
    )
    deadline = time.monotonic() + timeout_s
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
    return _summarise(payload["layers"], payload["user_namespace"])


def _probe_in_child(policy: SandboxPolicy, write_fd: int) -> NoReturn:
    try:
        user_namespace = _works_in_grandchild(lambda: _unshare(_CLONE_NEWUSER, "unshare"))
        report = lock_down(policy)
        data = json.dumps({"layers": report, "user_namespace": user_namespace}).encode()
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


def _summarise(
    layers: dict[str, list[object]], user_namespace: bool
) -> dict[str, tuple[bool, str]]:
    report: dict[str, tuple[bool, str]] = {}
    for name, (works, note) in layers.items():
        report[name] = (bool(works), str(note) if works else f"{MEANINGS[name]} ({note})")
    if not report["user_namespace"][0] and os.geteuid() == 0:
        available = "available" if user_namespace else "unavailable"
        report["user_namespace"] = (user_namespace, f"not needed: running as root ({available})")
    return report


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


def _probe_cgroups() -> tuple[bool, str]:
    """Whether this process's cgroup v2 is writable and offers memory or pids control."""
    try:
        mounts = [line.split() for line in Path("/proc/self/mounts").read_text().splitlines()]
        roots = [fields[1] for fields in mounts if len(fields) > 2 and fields[2] == "cgroup2"]
        own = [line[3:] for line in Path("/proc/self/cgroup").read_text().splitlines()
               if line.startswith("0::")]  # fmt: skip
        if not roots or not own:
            return False, f"{MEANINGS['cgroups']} (no cgroup v2 mounted)"
        group = Path(roots[0]) / own[0].lstrip("/")
        controllers = (group / "cgroup.controllers").read_text().split()
    except OSError as exc:
        return False, f"{MEANINGS['cgroups']} ({_describe(exc)})"
    writable = os.access(group, os.W_OK) and os.access(group / "cgroup.subtree_control", os.W_OK)
    useful = {"memory", "pids"} & set(controllers)
    note = f"{group}: {'writable' if writable else 'read-only'}, controllers: "
    note += " ".join(controllers) or "none"
    return (True, note) if writable and useful else (False, f"{MEANINGS['cgroups']} ({note})")
