"""The seccomp layer: a deny-list filter, written as a table of system calls by name.

`DENIED` names each refused call with the reason; `NUMBERS` gives each name's number on every
architecture the filter knows (resolved at run time for this machine's). Three calls are
decided on an argument or answered otherwise: `socket` (only AF_UNIX), `clone` (no namespace
flags, CLONE_NEWUSER included) and `clone3` (ENOSYS: a filter cannot read its flags, which live
in memory; libc falls back to clone). A call made through the x32 ABI, or from a foreign
architecture, is refused or kills the process, so the table cannot be sidestepped by number.
"""

from __future__ import annotations

import ctypes
import errno
import platform
from dataclasses import dataclass

from grader.jail.layers.base import Layer, LayerUnavailable, SandboxPolicy, check, libc, syscall
from grader.jail.layers.privileges import set_no_new_privs

DENIED: dict[str, tuple[str, ...]] = {
    "other processes' memory": ("ptrace", "process_vm_readv", "process_vm_writev"),
    "kernel keyrings": ("keyctl", "add_key", "request_key"),
    "kernel programs and counters": ("bpf", "perf_event_open", "userfaultfd"),
    "mounts and new roots": (
        "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen",
        "fsconfig", "fsmount", "fspick", "mount_setattr",
    ),
    "new or other namespaces": ("unshare", "setns"),
    "io_uring (bypasses this filter)": ("io_uring_setup", "io_uring_enter", "io_uring_register"),
    "kernels and kernel modules": (
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    ),
    "files by handle (past Landlock)": ("open_by_handle_at", "name_to_handle_at"),
    "host-wide settings": (
        "reboot", "swapon", "swapoff", "syslog", "acct", "quotactl", "settimeofday",
        "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
        "fanotify_init", "iopl", "ioperm",
    ),
    # the judge's socket comes connected, and a Unix socket such as the forkserver's would hand
    # out unconfined processes
    "connections (every family)": ("connect",),
    # metadata Landlock does not govern, which a sandbox running as root could aim at any
    # root-owned file (chmod u+s, utime)
    "file modes, owners, times and attributes": (
        "fchmod", "fchmodat", "fchmodat2", "fchown", "fchownat", "utimensat", "setxattr",
        "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr", "setxattrat",
        "removexattrat", "chmod", "chown", "lchown", "utime", "utimes", "futimesat",
    ),
}  # fmt: skip

ARCHES = ("x86_64", "aarch64")
# name: (x86_64, aarch64); None where the architecture has no such call
NUMBERS: dict[str, tuple[int | None, int | None]] = {
    "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41), "chroot": (161, 51),
    "open_tree": (428, 428), "move_mount": (429, 429), "fsopen": (430, 430),
    "fsconfig": (431, 431), "fsmount": (432, 432), "fspick": (433, 433),
    "mount_setattr": (442, 442), "unshare": (272, 97), "setns": (308, 268),
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426), "io_uring_register": (427, 427),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294), "init_module": (175, 105),
    "finit_module": (313, 273), "delete_module": (176, 106),
    "open_by_handle_at": (304, 265), "name_to_handle_at": (303, 264),
    "reboot": (169, 142), "swapon": (167, 224), "swapoff": (168, 225), "syslog": (103, 116),
    "acct": (163, 89), "quotactl": (179, 60), "settimeofday": (164, 170),
    "clock_settime": (227, 112), "clock_adjtime": (305, 266), "adjtimex": (159, 171),
    "sethostname": (170, 161), "setdomainname": (171, 162), "fanotify_init": (300, 262),
    "iopl": (172, None), "ioperm": (173, None), "connect": (42, 203),
    "fchmod": (91, 52), "fchmodat": (268, 53), "fchmodat2": (452, 452), "fchown": (93, 55),
    "fchownat": (260, 54), "utimensat": (280, 88), "setxattr": (188, 5), "lsetxattr": (189, 6),
    "fsetxattr": (190, 7), "removexattr": (197, 14), "lremovexattr": (198, 15),
    "fremovexattr": (199, 16), "setxattrat": (463, 463), "removexattrat": (466, 466),
    "chmod": (90, None), "chown": (92, None), "lchown": (94, None), "utime": (132, None),
    "utimes": (235, None), "futimesat": (261, None),
    "socket": (41, 198), "clone": (56, 220), "clone3": (435, 435), "seccomp": (317, 277),
}  # fmt: skip
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
X32_ABI = {"x86_64": True, "aarch64": False}  # x86_64 also takes calls numbered for x32

CLONE_NAMESPACES = 0x7E020000  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
AF_UNIX = 1
_BPF_LD_ABS, _BPF_JEQ, _BPF_JGE, _BPF_JSET, _BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
_RET_ALLOW, _RET_ERRNO, _RET_KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
_NR_OFFSET, _ARCH_OFFSET, _ARG0_OFFSET = 0, 4, 16  # struct seccomp_data, little-endian args
_X32_SYSCALL_BIT = 0x40000000
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, _SECCOMP_MODE_FILTER = 1, 1, 2
_PR_SET_SECCOMP = 22


@dataclass(frozen=True)
class Arch:
    """The filter's numbers for one architecture, resolved from the tables above."""

    name: str
    audit: int
    x32_bit: bool

    def number(self, name: str) -> int | None:
        return NUMBERS[name][ARCHES.index(self.name)]

    def denied(self) -> tuple[int, ...]:
        """The numbers of every call in `DENIED` this architecture has."""
        found = (self.number(name) for names in DENIED.values() for name in names)
        return tuple(number for number in found if number is not None)


def current_arch() -> Arch:
    machine = platform.machine()
    if machine not in ARCHES:
        raise LayerUnavailable(f"no seccomp filter for {machine}")
    return Arch(machine, AUDIT_ARCH[machine], X32_ABI[machine])


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def install_seccomp(policy: SandboxPolicy | None = None) -> str:
    """Install the filter on every thread of the process (no new privileges first)."""
    arch = current_arch()
    program = seccomp_program(arch)
    filters = (_SockFilter * len(program))(*(_SockFilter(*op) for op in program))
    fprog = _SockFprog(len(program), filters)
    set_no_new_privs()
    try:
        syscall(_number(arch, "seccomp"), _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC,
                ctypes.byref(fprog))  # fmt: skip
    except OSError as exc:
        if exc.errno != errno.ENOSYS:
            raise
        result = libc().prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0)
        check(result, "prctl(PR_SET_SECCOMP)")
    return f"{len(arch.denied())} calls denied, and sockets other than AF_UNIX, namespace clones"


def _number(arch: Arch, name: str) -> int:
    number = arch.number(name)
    if number is None:
        raise LayerUnavailable(f"{arch.name} has no {name} call")
    return number


_Op = tuple[int, str | None, str | None, int]


def seccomp_program(arch: Arch) -> list[tuple[int, int, int, int]]:
    """The BPF program: (code, jump if true, jump if false, k) for each instruction."""
    load, jeq, ret = _BPF_LD_ABS, _BPF_JEQ, _BPF_RET
    code: list[_Op | str] = [
        (load, None, None, _ARCH_OFFSET),
        (jeq, None, "kill", arch.audit),
        (load, None, None, _NR_OFFSET),
    ]
    if arch.x32_bit:
        code.append((_BPF_JGE, "eperm", None, _X32_SYSCALL_BIT))
    code += [(jeq, "socket", None, _number(arch, "socket"))]
    code += [(jeq, "clone", None, _number(arch, "clone"))]
    code += [(jeq, "enosys", None, _number(arch, "clone3"))]
    code += [(jeq, "eperm", None, number) for number in arch.denied()]
    code += [
        (ret, None, None, _RET_ALLOW),
        "socket", (load, None, None, _ARG0_OFFSET), (jeq, "allow", "eperm", AF_UNIX),
        "clone", (load, None, None, _ARG0_OFFSET), (_BPF_JSET, "eperm", "allow", CLONE_NAMESPACES),
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


SECCOMP = Layer(
    "seccomp",
    "no system-call filter: inet sockets, connect (the zygote's socket), ptrace, chmod and "
    "utime (on the host's files, as root) and kernel interfaces stay open",
    install_seccomp,
)
