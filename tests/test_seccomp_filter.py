"""The seccomp filter, installed in a forked child that then tries the calls it refuses.

The child is a fork of the test process (root here, with every capability: without the filter
each namespace flag alone would succeed, so each bit of the clone mask is live), installs the
filter with `install_seccomp`, tries each call and reports the errno; the parent reads the
report. Every refused call is made with arguments that the kernel would refuse anyway (-1 for
every pointer, descriptor and flag word), so a call the filter let through cannot change this
machine. A control child without the filter shows each answer is the filter's. The program is
also run through a small BPF interpreter for each architecture the table knows, so aarch64's
program is checked on x86_64 too. Cheap enough for every mutant of grader/jail/layers/seccomp.py
(benchmarks/mutation.sh); tests/test_isolation_seccomp_mask.py checks the same from a real
sandbox.
"""

from __future__ import annotations

import ctypes
import errno
import json
import mmap
import os
import platform
import re
import signal
import socket
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.jail.layers import seccomp
from grader.jail.layers.base import LayerUnavailable
from grader.jail.layers.seccomp import (
    AUDIT_ARCH,
    DENIED,
    NUMBERS,
    SECCOMP,
    Arch,
    current_arch,
    install_seccomp,
    seccomp_program,
)

X86_64 = platform.machine() == "x86_64"
pytestmark = pytest.mark.skipif(
    not X86_64 or os.geteuid() != 0,
    reason="tries x86_64 system call numbers, as root (each namespace flag live without it)",
)

NAMESPACE_FLAGS = {
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
SIGCHLD = 17
X32 = 0x40000000
GETPID, CLONE, CLONE3, UNSHARE, SOCKET = 39, 56, 435, 272, 41


HEADERS = {  # the kernel's own numbering, as installed with its headers
    "x86_64": Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
    "aarch64": Path("/usr/include/asm-generic/unistd.h"),  # arm64 uses the generic table
}
# Calls newer than many installed headers (Linux 6.6 and 6.13), the same on both architectures
NEWEST = {"fchmodat2": 452, "setxattrat": 463, "removexattrat": 466}


def kernel_numbers(machine: str) -> dict[str, int]:
    path = HEADERS[machine]
    if not path.is_file():
        pytest.skip(f"no kernel headers at {path}")
    found = re.findall(r"^#define __NR_(\w+)\s+(\d+)\s*$", path.read_text(), re.M)
    return {**NEWEST, **{name: int(number) for name, number in found}}


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_every_number_is_the_kernels(machine: str) -> None:
    kernel = kernel_numbers(machine)
    column = seccomp.ARCHES.index(machine)
    wrong = {
        name: (numbers[column], kernel.get(name))
        for name, numbers in NUMBERS.items()
        if numbers[column] != kernel.get(name)
    }
    assert wrong == {}  # (table, kernel): None in both where the architecture lacks the call
    assert len(NUMBERS) > 60


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def raw(number: int, *args: int | ctypes.Array[ctypes.c_char]) -> tuple[int, str]:
    """(result, errno name) of a raw system call."""
    libc = _libc()
    ctypes.set_errno(0)
    converted = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    result = libc.syscall(ctypes.c_long(number), *converted)
    code = ctypes.get_errno()
    return result, ("" if result >= 0 else errno.errorcode.get(code, str(code)))


def clone(flags: int) -> str:
    pid, name = raw(CLONE, flags | SIGCHLD, 0, 0, 0, 0)
    if pid == 0:  # the child of a clone that got through: leave at once
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
        return "created"
    return name


def clone3(flags: int) -> str:
    args = ctypes.create_string_buffer(struct.pack("<8Q", flags, 0, 0, 0, SIGCHLD, 0, 0, 0))
    pid, name = raw(CLONE3, args, 64)
    if pid == 0:
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
        return "created"
    return name


def answer(number: int, *args: int) -> str:
    result, name = raw(number, *args)
    return "allowed" if result >= 0 else name


def in_child(attempt: Callable[[], Any], *, filtered: bool = True) -> tuple[Any, int]:
    """Fork; in the child install the filter (or not) and run `attempt`; return its JSON
    report (None if the child wrote none) and the child's wait status."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.close(reader)
            if filtered:
                install_seccomp()
            data = json.dumps(attempt()).encode()
            os.write(writer, data)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            os.write(writer, json.dumps({"exception": repr(exc)}).encode())
            code = 3
        finally:
            os._exit(code)
    os.close(writer)
    chunks = []
    while chunk := os.read(reader, 1 << 16):
        chunks.append(chunk)
    os.close(reader)
    _, status = os.waitpid(pid, 0)
    text = b"".join(chunks)
    return (json.loads(text) if text else None), status


def filtered(attempt: Callable[[], Any]) -> Any:
    report, status = in_child(attempt)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (report, status)
    return report


# ---- namespaces: clone, clone3, unshare, setns -------------------------------------------------


def namespace_attempts() -> dict[str, str]:
    found = {"clone without flags": clone(0)}
    # a flag that is not a namespace's: a thread-like child sharing the file table is fine
    found["clone CLONE_FILES"] = clone(0x00000400)
    for name, flag in NAMESPACE_FLAGS.items():
        found[f"clone {name}"] = clone(flag)
        found[f"clone {name} with CLONE_FILES"] = clone(flag | 0x00000400)
        found[f"clone3 {name}"] = clone3(flag)
    found["clone3 without flags"] = clone3(0)
    found["setns"] = answer(308, -1, 0)
    # last: an unshare that gets through changes this process
    for name, flag in NAMESPACE_FLAGS.items():
        found[f"unshare {name}"] = answer(UNSHARE, flag)
    return found


@pytest.fixture(scope="module")
def namespaces() -> dict[str, str]:
    return filtered(namespace_attempts)  # type: ignore[no-any-return]


def test_the_control_creates_every_namespace_without_the_filter() -> None:
    report, status = in_child(namespace_attempts, filtered=False)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, report
    for name in NAMESPACE_FLAGS:
        assert report[f"clone {name}"] == "created", name
        assert report[f"clone3 {name}"] == "created", name
    assert report["setns"] == "EBADF"  # the kernel's answer to fd -1, not the filter's


@pytest.mark.parametrize("flag", sorted(NAMESPACE_FLAGS))
def test_clone_with_any_namespace_flag_is_refused(namespaces: dict[str, str], flag: str) -> None:
    assert namespaces[f"clone {flag}"] == "EPERM"
    assert namespaces[f"clone {flag} with CLONE_FILES"] == "EPERM"


@pytest.mark.parametrize("flag", sorted(NAMESPACE_FLAGS))
def test_clone3_answers_enosys_whatever_its_flags(namespaces: dict[str, str], flag: str) -> None:
    assert namespaces[f"clone3 {flag}"] == "ENOSYS"
    assert namespaces["clone3 without flags"] == "ENOSYS"


@pytest.mark.parametrize("flag", sorted(NAMESPACE_FLAGS))
def test_unshare_is_refused(namespaces: dict[str, str], flag: str) -> None:
    assert namespaces[f"unshare {flag}"] == "EPERM"


def test_setns_is_refused(namespaces: dict[str, str]) -> None:
    assert namespaces["setns"] == "EPERM"


def test_clone_without_namespace_flags_still_works(namespaces: dict[str, str]) -> None:
    assert namespaces["clone without flags"] == "created"
    assert namespaces["clone CLONE_FILES"] == "created"


def test_the_mask_is_exactly_the_namespace_flags() -> None:
    mask = 0
    for flag in NAMESPACE_FLAGS.values():
        mask |= flag
    assert mask == seccomp.CLONE_NAMESPACES


# ---- every call of the deny list --------------------------------------------------------------


def denied_attempts() -> dict[str, str]:
    kernel = {**NEWEST, **dict(re.findall(r"^#define __NR_(\w+)\s+(\d+)\s*$", X86_HEADER, re.M))}
    return {
        name: answer(int(kernel[name]), -1, -1, -1, -1, -1, -1)
        for names in DENIED.values()
        for name in names
        if name in kernel
    }


X86_HEADER = HEADERS["x86_64"].read_text() if HEADERS["x86_64"].is_file() else ""


def test_every_denied_call_is_refused_with_eperm() -> None:
    found = filtered(denied_attempts)
    if not X86_HEADER:
        pytest.skip("no kernel headers: the calls are tried by the kernel's numbers")
    names = [n for names in DENIED.values() for n in names if NUMBERS[n][0] is not None]
    assert sorted(found) == sorted(names) and len(names) > 60
    assert {name: code for name, code in found.items() if code != "EPERM"} == {}


def test_without_the_filter_the_kernel_answers_those_calls_itself() -> None:
    report, status = in_child(denied_attempts, filtered=False)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, report
    # the arguments are invalid for every call: the kernel refuses them, but seldom with EPERM
    assert sum(code != "EPERM" for code in report.values()) > len(report) // 2


def test_calls_off_the_list_are_allowed() -> None:
    def attempts() -> dict[str, Any]:
        return {
            "getpid": raw(GETPID)[0] == os.getpid(),
            "open": os.open("/dev/null", os.O_RDONLY) >= 0,
        }

    found = filtered(attempts)
    assert found["getpid"] is True and found["open"] is True


# ---- sockets ------------------------------------------------------------------------------


def socket_attempts() -> dict[str, str]:
    found = {}
    for name, family in (("AF_UNIX", 1), ("AF_INET", 2), ("AF_INET6", 10), ("AF_NETLINK", 16)):
        found[name] = answer(SOCKET, family, socket.SOCK_STREAM if family != 16 else 3, 0)
    found["AF_PACKET"] = answer(SOCKET, 17, socket.SOCK_RAW, 0)
    found["socketpair AF_UNIX"] = "allowed" if socket.socketpair() else "refused"
    found["connect"] = answer(42, -1, 0, 0)
    return found


def test_only_unix_sockets_may_be_made() -> None:
    found = filtered(socket_attempts)
    assert found["AF_UNIX"] == found["socketpair AF_UNIX"] == "allowed"
    for family in ("AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"):
        assert found[family] == "EPERM", family
    assert found["connect"] == "EPERM"
    control, _ = in_child(socket_attempts, filtered=False)
    assert control["AF_INET"] == "allowed" and control["connect"] == "EBADF"


# ---- other ABIs: x32 numbers, a foreign architecture --------------------------------------------


def x32_attempts() -> dict[str, str]:
    return {
        "getpid": answer(X32 | GETPID),
        "unshare CLONE_NEWUSER": answer(X32 | UNSHARE, NAMESPACE_FLAGS["CLONE_NEWUSER"]),
        "clone CLONE_NEWUSER": answer(X32 | CLONE, NAMESPACE_FLAGS["CLONE_NEWUSER"] | SIGCHLD),
        "highest number": answer(0x7FFFFFFF),
        "just below the x32 bit": answer(X32 - 1),
    }


def test_x32_numbers_are_refused_by_the_filter() -> None:
    found = filtered(x32_attempts)
    assert found["getpid"] == "EPERM"
    assert found["unshare CLONE_NEWUSER"] == "EPERM"
    assert found["clone CLONE_NEWUSER"] == "EPERM"
    assert found["highest number"] == "EPERM"
    assert found["just below the x32 bit"] == "ENOSYS"  # no such call: the kernel's answer
    control, _ = in_child(x32_attempts, filtered=False)
    assert control["getpid"] != "EPERM"  # ENOSYS without x32 support, or the call ran


I386_GETPID = bytes.fromhex("53b814000000cd805bc3")  # push rbx; mov eax, 20; int 0x80; pop; ret


def i386_getpid() -> int:
    """getpid through the 32-bit entry point (int 0x80): a foreign architecture's call."""
    code = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    code.write(I386_GETPID)
    address = ctypes.addressof(ctypes.c_char.from_buffer(code))
    return int(ctypes.CFUNCTYPE(ctypes.c_int)(address)())


def test_a_call_from_a_foreign_architecture_kills_the_process() -> None:
    control, status = in_child(lambda: i386_getpid(), filtered=False)
    if not (os.WIFEXITED(status) and isinstance(control, int) and control > 0):
        pytest.skip(f"no 32-bit system calls on this kernel: {control}, status {status}")
    report, status = in_child(lambda: i386_getpid())
    assert report is None  # killed before it could report
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSYS


# ---- the layer, the tables and the program -----------------------------------------------------


def test_the_layer_reports_what_it_denies() -> None:
    note = filtered(install_seccomp_again_reports)
    count = len(current_arch().denied())
    assert note == f"{count} calls denied, and sockets other than AF_UNIX, namespace clones"
    assert SECCOMP.name == "seccomp" and SECCOMP.apply is install_seccomp
    assert SECCOMP.protects == (  # what the doctor and the report say a sandbox lacks without it
        "no system-call filter: inet sockets, connect (the zygote's socket), ptrace, chmod and "
        "utime (on the host's files, as root) and kernel interfaces stay open"
    )


def install_seccomp_again_reports() -> str:
    return install_seccomp()  # a second filter stacks on the first: both apply


def test_the_filter_sets_no_new_privileges_first() -> None:
    def attempts() -> int:
        return int(open("/proc/self/status").read().split("NoNewPrivs:")[1].split()[0])

    assert filtered(attempts) == 1
    control, _ = in_child(attempts, filtered=False)
    assert control == 0


def test_the_architectures_have_their_own_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    x86 = current_arch()
    assert (x86.name, x86.audit, x86.x32_bit) == ("x86_64", 0xC000003E, True)
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    arm = current_arch()
    assert (arm.name, arm.audit, arm.x32_bit) == ("aarch64", 0xC00000B7, False)
    assert (x86.number("clone"), arm.number("clone")) == (56, 220)
    assert arm.number("chmod") is None and arm.number("iopl") is None
    missing = {n for names in DENIED.values() for n in names if NUMBERS[n][1] is None}
    assert len(arm.denied()) == len(x86.denied()) - len(missing) and None not in arm.denied()
    assert sorted(x86.denied()) == sorted(NUMBERS[n][0] for v in DENIED.values() for n in v)
    monkeypatch.setattr(platform, "machine", lambda: "riscv64")
    with pytest.raises(LayerUnavailable, match=r"^no seccomp filter for riscv64$"):
        current_arch()


def test_an_architecture_without_a_needed_call_has_no_filter() -> None:
    lacking = Arch("aarch64", AUDIT_ARCH["aarch64"], False)
    with pytest.raises(LayerUnavailable, match=r"^aarch64 has no chmod call$"):
        seccomp._number(lacking, "chmod")


def test_a_jump_past_255_instructions_is_refused() -> None:
    far: list[Any] = [(0x15, "end", None, 1)] + [(0x06, None, None, 0)] * 256 + ["end"]
    with pytest.raises(ValueError, match=r"^seccomp jump to end out of range$"):
        seccomp._assemble([*far, (0x06, None, None, 0)])
    near = [(0x15, "end", None, 1)] + [(0x06, None, None, 0)] * 255 + ["end"]
    assembled = seccomp._assemble([*near, (0x06, None, None, 0)])
    assert assembled[0] == (0x15, 255, 0, 1)


# ---- how the filter is installed: every thread, and prctl where seccomp(2) is missing ---------


def test_the_filter_covers_threads_started_before_it() -> None:
    """TSYNC: a thread already running when the filter goes on is filtered too."""

    def attempts() -> dict[str, str]:
        import threading

        go, found = threading.Event(), {}

        def later() -> None:
            go.wait()
            found["unshare in an older thread"] = answer(UNSHARE, NAMESPACE_FLAGS["CLONE_NEWUTS"])

        thread = threading.Thread(target=later)
        thread.start()
        install_seccomp()  # the child's filter is this one alone (in_child(filtered=False))
        go.set()
        thread.join()
        return found

    report, status = in_child(attempts, filtered=False)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, report
    assert report == {"unshare in an older thread": "EPERM"}


PR_SET_SECCOMP, SECCOMP_MODE_FILTER, SECCOMP_NR, PRCTL_NR = 22, 2, 317, 157


class _Insn(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Insn))]


def without_seccomp_call(*, refuse_prctl: bool = False) -> None:
    """Install (with prctl, as root) a first filter that answers seccomp(2) ENOSYS, as a kernel
    older than 3.17 does; with `refuse_prctl`, prctl(PR_SET_SECCOMP) is answered EPERM too."""
    enosys, eperm_ = 0x00050000 | errno.ENOSYS, 0x00050000 | errno.EPERM
    code = [
        (0x20, 0, 0, 0),  # load the call's number
        (0x15, 0, 1, SECCOMP_NR),
        (0x06, 0, 0, enosys),
        (0x15, 0, 3, PRCTL_NR),
        (0x20, 0, 0, 16),  # load arg0 (low half)
        (0x15, 0, 1, PR_SET_SECCOMP),
        (0x06, 0, 0, eperm_ if refuse_prctl else ALLOW),
        (0x06, 0, 0, ALLOW),
    ]
    insns = (_Insn * len(code))(*(_Insn(*op) for op in code))
    prog = _Prog(len(code), insns)
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0)
    assert result == 0, errno.errorcode.get(ctypes.get_errno())
    assert raw(SECCOMP_NR, 0, 0, 0) == (-1, "ENOSYS")


def test_without_the_seccomp_call_the_filter_is_installed_with_prctl() -> None:
    def attempts() -> dict[str, str]:
        without_seccomp_call()
        found = {"note": install_seccomp()}
        found["unshare"] = answer(UNSHARE, NAMESPACE_FLAGS["CLONE_NEWUTS"])
        found["socket AF_INET"] = answer(SOCKET, socket.AF_INET, socket.SOCK_STREAM, 0)
        found["clone CLONE_NEWNET"] = clone(NAMESPACE_FLAGS["CLONE_NEWNET"])
        found["clone3"] = clone3(0)
        return found

    report, status = in_child(attempts, filtered=False)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, report
    count = len(current_arch().denied())
    assert report == {
        "note": f"{count} calls denied, and sockets other than AF_UNIX, namespace clones",
        "unshare": "EPERM",
        "socket AF_INET": "EPERM",
        "clone CLONE_NEWNET": "EPERM",
        "clone3": "ENOSYS",
    }


def test_a_refused_prctl_fallback_is_an_error_naming_it() -> None:
    def attempts() -> dict[str, Any]:
        without_seccomp_call(refuse_prctl=True)
        try:
            install_seccomp()
        except OSError as exc:
            return {"errno": errno.errorcode[exc.errno or 0], "what": exc.filename}
        return {"installed": True}

    report, status = in_child(attempts, filtered=False)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, report
    assert report == {"errno": "EPERM", "what": "prctl(PR_SET_SECCOMP)"}


# A BPF interpreter for the instructions the program uses, over struct seccomp_data.
ALLOW, KILL = 0x7FFF0000, 0x80000000


def eperm() -> int:
    return 0x00050000 | errno.EPERM


def run_bpf(program: list[tuple[int, int, int, int]], nr: int, arch: int, arg0: int = 0) -> int:
    data = struct.pack("<iI", nr, arch) + b"\0" * 8 + struct.pack("<Q", arg0) + b"\0" * 40
    accumulator, pc = 0, 0
    while True:
        code, jt, jf, k = program[pc]
        pc += 1
        if code == 0x20:  # BPF_LD | BPF_W | BPF_ABS
            accumulator = struct.unpack_from("<I", data, k)[0]
        elif code == 0x06:  # BPF_RET | BPF_K
            return k
        else:
            taken = {0x15: accumulator == k, 0x35: accumulator >= k, 0x45: accumulator & k}[code]
            pc += jt if taken else jf


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_program_decides_each_architectures_calls(machine: str) -> None:
    arch = Arch(machine, AUDIT_ARCH[machine], machine == "x86_64")
    program = seccomp_program(arch)
    column = seccomp.ARCHES.index(machine)

    def decide(name: str, arg0: int = 0, audit: int = arch.audit) -> int:
        number = NUMBERS[name][column]
        assert number is not None
        return run_bpf(program, number, audit, arg0)

    for names in DENIED.values():
        for name in names:
            if NUMBERS[name][column] is not None:
                assert decide(name) == eperm(), name
    assert decide("seccomp") == ALLOW
    assert run_bpf(program, 0, arch.audit) == ALLOW  # read / io_setup: off the list
    assert decide("socket", 1) == ALLOW and decide("socket", 2) == eperm()
    assert decide("socket", 0x100000001) == ALLOW  # only the low 32 bits are loaded
    assert decide("clone", SIGCHLD) == ALLOW
    for flag in NAMESPACE_FLAGS.values():
        assert decide("clone", flag | SIGCHLD) == eperm()
    assert decide("clone3") == 0x00050000 | errno.ENOSYS
    other = AUDIT_ARCH["aarch64" if machine == "x86_64" else "x86_64"]
    assert decide("clone", SIGCHLD, other) == KILL == decide("seccomp", 0, other)
    assert run_bpf(program, 39, 0x40000003) == KILL  # i386
    x32_getpid = run_bpf(program, X32 | 39, arch.audit)
    assert x32_getpid == (eperm() if machine == "x86_64" else ALLOW)
