"""Seccomp's namespace mask, pinned through what a real sandboxed submission can do.

A submission calls `clone`, `clone3` and `unshare` itself, through ctypes, with each namespace
flag (CLONE_NEWUSER first: a new user namespace hands back every capability the sandbox
dropped), and an x32 system call number (bit 0x40000000: the same calls under numbers that a
filter comparing x86_64 numbers would let through). The test goes through `Sandbox`, the
public behaviour, not through the isolation module's internal names.

The control runs the same submission with the seccomp layer switched off
(`GRADE_DISABLE_LAYERS` does the same): there the sandbox creates a user namespace with clone
and clone3 and gets ENOSYS (not EPERM) for x32 numbers, so the filter is what refuses them.
The other flags alone are refused even without the filter (the sandbox holds no capabilities),
and with CLONE_NEWUSER they are refused by its bit: their bits in the mask are a second line
that no submission here can tell apart.
"""

from __future__ import annotations

import platform
from typing import Any

import pytest

from grader.judge.sandbox import Engine, Sandbox
from grader.outputs.models import Limits

LIMITS = Limits(import_s=20, call_s=20, total_s=60, cpu_s=30, memory_mb=2048, file_mb=1)
FLAGS = {
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}

# The submission: every attempt reports "created" (a child came to life, and left at once),
# "allowed" (the call succeeded) or the errno's name.
ATTEMPTS = """
import ctypes, errno, os, struct

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SIGCHLD = 17
X32 = 0x40000000
CLONE, CLONE3, UNSHARE = 56, 435, 272  # x86_64


def _raw(number, *args):
    ctypes.set_errno(0)
    return libc.syscall(ctypes.c_long(number), *args), ctypes.get_errno()


def _name(code):
    return errno.errorcode.get(code, str(code))


def _child(result):
    pid, code = result
    if pid == 0:  # the child of a clone that got through: leave at once
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
        return "created"
    return _name(code)


def clone(flags):
    return _child(_raw(CLONE, *(ctypes.c_long(a) for a in (flags | SIGCHLD, 0, 0, 0, 0))))


def clone3(flags):
    args = ctypes.create_string_buffer(struct.pack("<8Q", flags, 0, 0, 0, SIGCHLD, 0, 0, 0))
    return _child(_raw(CLONE3, args, ctypes.c_long(64)))


def unshare(flags, number=UNSHARE):
    result, code = _raw(number, ctypes.c_long(flags))
    return "allowed" if result == 0 else _name(code)


def f(flags):
    found = {"clone without flags": clone(0)}
    for name, flag in flags.items():
        found[f"clone {name}"] = clone(flag)
        found[f"clone3 {name}"] = clone3(flag)
    found["x32 getpid"] = unshare(0, X32 | 39)
    # last: where an unshare gets through it changes this process (after CLONE_NEWPID, its
    # next child is the new namespace's init, and every fork after that one exits fails)
    found["x32 unshare CLONE_NEWUSER"] = unshare(flags["CLONE_NEWUSER"], X32 | UNSHARE)
    for name, flag in flags.items():
        found[f"unshare {name}"] = unshare(flag)
    return found
"""

pytestmark = pytest.mark.skipif(
    platform.machine() != "x86_64", reason="the submission uses x86_64 system call numbers"
)


def attempts(engine: Engine) -> dict[str, Any]:
    with Sandbox(engine, LIMITS, "cpu", "student.py", "student") as box:
        box.request("import", LIMITS.import_s, "importing", source=ATTEMPTS)
        found = box.request("call", LIMITS.call_s, "calling", name="f", args=(FLAGS,), kwargs={})
        assert box.layers.get("seccomp") == ("seccomp" not in engine.disabled_layers)
    assert isinstance(found, dict)
    return found


@pytest.fixture(scope="module")
def without_seccomp() -> dict[str, Any]:
    return attempts(Engine("forkserver", disabled_layers=["seccomp"]))


@pytest.fixture(scope="module")
def with_seccomp() -> dict[str, Any]:
    engine = Engine("forkserver", disabled_layers=[])
    engine.start()
    return attempts(engine)


def test_the_control_can_create_a_user_namespace_without_the_filter(
    without_seccomp: dict[str, Any],
) -> None:
    """Without seccomp the same submission gets a new user namespace: the test is live."""
    if without_seccomp["clone CLONE_NEWUSER"] != "created":
        pytest.skip(f"no user namespaces here at all: {without_seccomp['clone CLONE_NEWUSER']}")
    assert without_seccomp["clone without flags"] == "created"
    assert without_seccomp["clone3 CLONE_NEWUSER"] == "created"
    assert without_seccomp["x32 getpid"] != "EPERM"  # the kernel's own answer, not the filter's


@pytest.mark.parametrize("flag", sorted(FLAGS))
def test_clone_with_a_namespace_flag_is_refused(with_seccomp: dict[str, Any], flag: str) -> None:
    assert with_seccomp[f"clone {flag}"] == "EPERM"


@pytest.mark.parametrize("flag", sorted(FLAGS))
def test_clone3_is_refused_whatever_its_flags(with_seccomp: dict[str, Any], flag: str) -> None:
    # ENOSYS: clone3's flags sit in memory, out of a filter's reach, so libc falls back to clone
    assert with_seccomp[f"clone3 {flag}"] == "ENOSYS"


@pytest.mark.parametrize("flag", sorted(FLAGS))
def test_unshare_is_refused(with_seccomp: dict[str, Any], flag: str) -> None:
    assert with_seccomp[f"unshare {flag}"] == "EPERM"


def test_x32_system_call_numbers_are_refused_by_the_filter(with_seccomp: dict[str, Any]) -> None:
    # EPERM is the filter's answer; a kernel without the x32 ABI would say ENOSYS, one with it
    # would run the call (and x32 unshare is not the number the deny-list compares)
    assert with_seccomp["x32 unshare CLONE_NEWUSER"] == "EPERM"
    assert with_seccomp["x32 getpid"] == "EPERM"


def test_a_plain_clone_still_works_under_the_filter(with_seccomp: dict[str, Any]) -> None:
    assert with_seccomp["clone without flags"] == "created"
