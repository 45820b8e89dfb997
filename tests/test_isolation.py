"""The sandbox's isolation layers, tried in real forked processes (no mocks).

Each test forks a child, locks it down (the whole policy or one layer), tries something the
sandbox must forbid or allow, and sends plain JSON back through a pipe. A layer this machine
cannot provide makes its tests skip, with the probe's reason.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import grader
from grader.jail.layers import NAMES, SandboxPolicy, apply_policy
from grader.jail.layers.limits import set_rlimits
from grader.jail.layers.namespaces import (
    enter_mount_namespace,
    enter_network_namespace,
    enter_user_namespace,
)
from grader.jail.layers.pid import enter_pid_namespace, mount_proc
from grader.jail.layers.privileges import drop_capabilities, scrub_environment
from grader.jail.layers.probe import list_interpreter_trees, probe_layers
from grader.jail.layers.seccomp import install_seccomp

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="isolation layers are Linux-only")

GRADER_DIR = Path(grader.__file__).resolve().parent
PTRACE_TRACEME = 0


@dataclass(frozen=True)
class Outcome:
    """How a forked child ended and what it sent back."""

    status: int
    value: object = None
    error: str | None = None

    @property
    def exit_code(self) -> int | None:
        return os.WEXITSTATUS(self.status) if os.WIFEXITED(self.status) else None

    @property
    def signal(self) -> int | None:
        return os.WTERMSIG(self.status) if os.WIFSIGNALED(self.status) else None


def run_child(body: Callable[[], object], timeout_s: float = 20.0) -> Outcome:
    """Fork; the child runs `body` and sends its JSON-able result (or its error) back."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            try:
                payload: dict[str, object] = {"value": body()}
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                payload = {"error": f"{type(exc).__name__}: {exc}"}
            data = json.dumps(payload).encode()
            while data:
                data = data[os.write(write_fd, data) :]
        finally:
            os._exit(0)
    os.close(write_fd)
    deadline = time.monotonic() + timeout_s
    data = read_until_eof(read_fd, deadline)
    status = reap(pid, deadline)
    payload = json.loads(data) if data else {}
    return Outcome(status, payload.get("value"), payload.get("error"))


def read_until_eof(fd: int, deadline: float) -> bytes:
    chunks = []
    with os.fdopen(fd, "rb", buffering=0) as pipe:
        while (remaining := deadline - time.monotonic()) > 0:
            if not select.select([pipe], [], [], remaining)[0]:
                break
            chunk = pipe.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def reap(pid: int, deadline: float) -> int:
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.01)
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            continue
    pytest.fail(f"child {pid} still running after the deadline; killed")


def libc_call(name: str, *args: int) -> tuple[int, int]:
    libc = ctypes.CDLL(None, use_errno=True)
    result = getattr(libc, name)(*(ctypes.c_long(arg) for arg in args))
    return result, ctypes.get_errno()


def status_field(name: str) -> str:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split()[1]
    raise KeyError(name)


@pytest.fixture(scope="module")
def probe() -> dict[str, tuple[bool | None, str]]:
    found = probe_layers()
    assert not isinstance(found, str), found
    return found[0]


def require(probe: dict[str, tuple[bool | None, str]], *layers: str) -> None:
    for layer in layers:
        works, note = probe[layer]
        if not works:
            pytest.skip(f"{layer} is not available here: {note}")


@pytest.fixture
def policy(tmp_path: Path) -> SandboxPolicy:
    workdir = tmp_path / "work"
    workdir.mkdir()
    readable = (*list_interpreter_trees(), GRADER_DIR)
    return SandboxPolicy(workdir=workdir, readable=readable, cpu_s=30, memory_mb=4096, file_mb=4)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.create_server(("127.0.0.1", 0))
    try:
        yield server
    finally:
        server.close()


# ---- the doctor's probe and the report ------------------------------------------------------


def test_probe_reports_every_layer_and_leaves_the_caller_alone() -> None:
    environment, pid, cwd = dict(os.environ), os.getpid(), os.getcwd()
    capabilities = status_field("CapEff")
    found = probe_layers()
    assert not isinstance(found, str), found
    report, elapsed_ms = found
    assert set(report) == set(NAMES) and elapsed_ms > 0
    for works, note in report.values():
        assert works in (True, False, None) and isinstance(note, str)
    assert report["cgroups"][0] is None  # no cgroup was made for the probe: nothing to join
    assert (dict(os.environ), os.getpid(), os.getcwd()) == (environment, pid, cwd)
    assert status_field("NoNewPrivs") == "0" and status_field("Seccomp") == "0"
    assert status_field("CapEff") == capabilities
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()


def test_apply_policy_reports_every_layer_that_applies(
    policy: SandboxPolicy, probe: dict[str, tuple[bool | None, str]]
) -> None:
    outcome = run_child(lambda: apply_policy(policy))
    assert outcome.error is None
    assert isinstance(outcome.value, dict)
    not_asked = {"workdir_tmpfs", "cgroups"}  # no tmpfs size, no cgroup in this policy
    expected = {n for n in NAMES if probe[n][0] is not None} - not_asked
    assert set(outcome.value) == expected
    for layer in expected:
        assert outcome.value[layer] is probe[layer][0], layer


def test_a_failing_layer_is_reported_and_the_others_still_apply(
    policy: SandboxPolicy, probe: dict[str, tuple[bool | None, str]]
) -> None:
    require(probe, "seccomp", "network_namespace", "landlock")

    def body() -> object:
        install_seccomp()  # denies unshare: every namespace layer must now fail, quietly
        return apply_policy(policy)

    outcome = run_child(body)
    assert outcome.error is None
    assert isinstance(outcome.value, dict)
    assert not outcome.value["network_namespace"] and not outcome.value["pid_namespace"]
    assert outcome.value["landlock"] and outcome.value["rlimits"] and outcome.value["clean_env"]


# ---- files ----------------------------------------------------------------------------------


def test_files_outside_readable_cannot_be_read(
    policy: SandboxPolicy, probe: dict[str, tuple[bool | None, str]], tmp_path: Path
) -> None:
    require(probe, "landlock")
    secret = tmp_path / "hidden_checks.py"
    secret.write_text("EXPECTED = 42\n")

    def body() -> object:
        apply_policy(policy)
        stdlib = Path(os.__file__).read_text()[:40]
        try:
            return [stdlib, secret.read_text()]
        except PermissionError as exc:
            return [stdlib, exc.errno]

    assert secret.read_text() == "EXPECTED = 42\n"
    assert run_child(body).value == [Path(os.__file__).read_text()[:40], errno.EACCES]


def test_writes_succeed_only_inside_the_workdir(
    policy: SandboxPolicy, probe: dict[str, tuple[bool | None, str]], tmp_path: Path
) -> None:
    require(probe, "landlock")
    inside, outside = policy.workdir / "scratch.txt", tmp_path / "results.json"

    def body() -> object:
        apply_policy(policy)
        inside.write_text("mine")
        denied = []
        for attempt in (outside.write_text, lambda _: (tmp_path / "folder").mkdir()):
            try:
                attempt('{"score": 100}')
            except PermissionError as exc:
                denied.append(exc.errno)
        return denied

    assert run_child(body).value == [errno.EACCES, errno.EACCES]
    assert inside.read_text() == "mine"
    assert not outside.exists() and not (tmp_path / "folder").exists()


def test_workdir_tmpfs_caps_total_size_and_stays_private(
    policy: SandboxPolicy, probe: dict[str, tuple[bool | None, str]]
) -> None:
    require(probe, "mount_namespace", "workdir_tmpfs")
    (policy.workdir / "given.txt").write_text("from the grader")

    def body() -> object:
        layers = apply_policy(dataclasses.replace(policy, workdir_tmpfs_mb=1))
        given = (policy.workdir / "given.txt").read_text()
        (policy.workdir / "a.bin").write_bytes(bytes(600_000))
        try:
            (policy.workdir / "b.bin").write_bytes(bytes(600_000))
        except OSError as exc:
            return [layers["workdir_tmpfs"], given, exc.errno]
        return [layers["workdir_tmpfs"], given, None]

    assert run_child(body).value == [True, "from the grader", errno.ENOSPC]
    assert sorted(p.name for p in policy.workdir.iterdir()) == ["given.txt"]


# ---- network --------------------------------------------------------------------------------


def test_no_tcp_connection_and_no_name_lookup(
    policy: SandboxPolicy, probe: dict[str, tuple[bool | None, str]], listener: socket.socket
) -> None:
    if not any(probe[layer][0] for layer in ("network_namespace", "landlock", "seccomp")):
        pytest.skip("no network layer is available here")
    address = listener.getsockname()
    socket.create_connection(address, timeout=2).close()  # reachable from outside the sandbox

    def body() -> object:
        apply_policy(policy)
        failures = []
        for attempt in (
            lambda: socket.create_connection(address, timeout=2),
            lambda: socket.getaddrinfo("pypi.org", 443),
            lambda: socket.getaddrinfo("localhost", 80),
        ):
            try:
                attempt()
            except OSError as exc:
                failures.append(type(exc).__name__)
        return failures

    assert len(run_child(body).value or []) == 3


def test_network_namespace_alone_cuts_loopback(
    probe: dict[str, tuple[bool | None, str]], listener: socket.socket
) -> None:
    require(probe, "network_namespace")
    address = listener.getsockname()

    def body() -> object:
        enter_network_namespace()
        try:
            socket.create_connection(address, timeout=2)
        except OSError as exc:
            return exc.errno
        return None

    assert run_child(body).value == errno.ENETUNREACH


# ---- processes ------------------------------------------------------------------------------


def test_double_forked_daemon_is_gone_when_the_sandbox_exits(
    probe: dict[str, tuple[bool | None, str]],
) -> None:
    require(probe, "pid_namespace")
    alive_read, alive_write = os.pipe()  # the daemon holds the write end while it lives

    def body() -> object:
        assert enter_pid_namespace()
        ready_read, ready_write = os.pipe()
        if os.fork() == 0:
            try:
                os.setsid()
                if os.fork() == 0:
                    signal.alarm(10)  # cleans up after itself if the namespace failed
                    os.write(ready_write, b"r")
                    os.closerange(3, alive_write)  # holds nothing of the test's but `alive`
                    os.closerange(alive_write + 1, 1024)
                    time.sleep(10)
            finally:
                os._exit(0)
        return os.read(ready_read, 1).decode()

    outcome = run_child(body)
    os.close(alive_write)
    assert outcome.value == "r"
    with os.fdopen(alive_read, "rb", buffering=0) as alive:
        assert select.select([alive], [], [], 3)[0], "the daemon outlived the sandbox"
        assert alive.read(1) == b""


def test_killing_the_waiter_ends_the_sandbox_and_its_daemons(
    probe: dict[str, tuple[bool | None, str]],
) -> None:
    """The judge kills the waiter (the process it forked): nothing of the namespace is left."""
    require(probe, "pid_namespace")
    alive_read, alive_write = os.pipe()  # held by the sandbox and its daemon while they live
    ready_read, ready_write = os.pipe()
    waiter = os.fork()
    if waiter == 0:
        try:
            os.close(alive_read)
            os.close(ready_read)
            if enter_pid_namespace() and os.fork() == 0:
                os.setsid()
                if os.fork() == 0:  # the daemon: orphaned at once, so PID 1's child
                    signal.alarm(10)  # cleans up after itself if the namespace failed
                    os.write(ready_write, b"r")
                    time.sleep(10)
                os._exit(0)
            signal.alarm(10)
            time.sleep(10)  # the sandbox: waits to be killed with its waiter
        finally:
            os._exit(0)
    os.close(alive_write)
    os.close(ready_write)
    with os.fdopen(ready_read, "rb", buffering=0) as ready:
        assert select.select([ready], [], [], 10)[0] and ready.read(1) == b"r"
    os.kill(waiter, signal.SIGKILL)
    reap(waiter, time.monotonic() + 5)
    with os.fdopen(alive_read, "rb", buffering=0) as alive:
        assert select.select([alive], [], [], 3)[0], "the sandbox or its daemon outlived the waiter"
        assert alive.read(1) == b""


def test_without_a_spawnable_init_the_waiter_forks_one(
    probe: dict[str, tuple[bool | None, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No `cat` to spawn as PID 1: a forked Python init reaps instead, and the layer holds."""
    require(probe, "pid_namespace")
    from grader.jail.layers import pid

    monkeypatch.setattr(pid, "INIT_PROGRAMS", ())
    alive_read, alive_write = os.pipe()

    def body() -> object:
        note = pid.fork_into_pid_namespace()
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                signal.alarm(10)
                os.closerange(3, alive_write)
                os.closerange(alive_write + 1, 1024)
                time.sleep(10)
            os._exit(0)
        return [note, os.getpid(), os.getppid()]

    outcome = run_child(body)
    os.close(alive_write)
    assert outcome.value == ["sandbox is PID 2 under a reaping init", 2, 1]
    with os.fdopen(alive_read, "rb", buffering=0) as alive:
        assert select.select([alive], [], [], 3)[0], "the daemon outlived the sandbox"
        assert alive.read(1) == b""


def test_exit_status_and_signals_reach_whoever_waits(
    probe: dict[str, tuple[bool | None, str]],
) -> None:
    require(probe, "pid_namespace")

    def exits() -> object:
        enter_pid_namespace()
        os._exit(7)

    def signalled() -> object:
        enter_pid_namespace()
        os.kill(os.getpid(), signal.SIGUSR1)
        time.sleep(5)
        return "survived"

    def numbers() -> object:
        enter_pid_namespace()
        return os.getpid(), os.getppid()

    assert run_child(exits).exit_code == 7
    assert run_child(signalled).signal == signal.SIGUSR1
    # the sandbox is not PID 1 (an init ignores signals); its parent, the waiter, is outside
    assert run_child(numbers).value == [2, 0]


def test_cpu_limit_ends_the_sandbox_with_sigxcpu(
    policy: SandboxPolicy, probe: dict[str, tuple[bool | None, str]]
) -> None:
    require(probe, "pid_namespace", "rlimits")

    def body() -> object:
        apply_policy(dataclasses.replace(policy, cpu_s=1))
        while True:
            pass

    assert run_child(body).signal == signal.SIGXCPU


def test_proc_lists_only_the_sandbox(probe: dict[str, tuple[bool | None, str]]) -> None:
    require(probe, "pid_namespace", "mount_namespace")

    def body() -> object:
        enter_mount_namespace()
        enter_pid_namespace()
        mount_proc()
        return sorted(int(name) for name in os.listdir("/proc") if name.isdigit())

    assert run_child(body).value == [1, 2]
    assert str(os.getpid()) in os.listdir("/proc")  # the host's /proc is untouched


# ---- environment, limits, privileges --------------------------------------------------------


def test_environment_is_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, probe: dict[str, tuple[bool | None, str]]
) -> None:
    require(probe, "clean_env")
    monkeypatch.setenv("GRADE_TOKEN", "hunter2")

    def body() -> object:
        import posix
        import tempfile

        started_with_path = b"PATH=" in Path("/proc/self/environ").read_bytes()
        scrub_environment(tmp_path)
        return {
            "keys": sorted(os.environ),
            "home": os.environ["HOME"],
            "tmp": tempfile.gettempdir(),
            "posix": sorted(key.decode() for key in posix.environ),  # Python's own copy
            "initial": [started_with_path, b"PATH=" in Path("/proc/self/environ").read_bytes()],
        }

    value = run_child(body).value
    assert isinstance(value, dict)
    assert value["keys"] == sorted(
        ["HOME", "TMPDIR", "XDG_CACHE_HOME", "TORCHINDUCTOR_CACHE_DIR", "TRITON_CACHE_DIR", "PATH",
         "LANG", "PYTHONDONTWRITEBYTECODE", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]
    )  # fmt: skip
    assert value["home"] == str(tmp_path) and value["tmp"] == str(tmp_path / "tmp")
    assert value["posix"] == value["keys"] and value["initial"] == [True, False]


def test_file_size_limit_makes_a_big_write_fail(
    policy: SandboxPolicy, probe: dict[str, tuple[bool | None, str]]
) -> None:
    require(probe, "rlimits")
    big = policy.workdir / "big.bin"

    def body() -> object:
        set_rlimits(dataclasses.replace(policy, file_mb=1))
        try:
            big.write_bytes(bytes(2 * 1024 * 1024))
        except OSError as exc:
            return exc.errno
        return None

    outcome = run_child(body)
    assert outcome.value == errno.EFBIG  # an error the student sees, not a SIGXFSZ death
    assert big.stat().st_size == 1024 * 1024


def test_memory_limit_raises_memory_error(
    policy: SandboxPolicy, probe: dict[str, tuple[bool | None, str]]
) -> None:
    require(probe, "rlimits")

    def body() -> object:
        size_mb = int(status_field("VmSize")) // 1024
        set_rlimits(dataclasses.replace(policy, memory_mb=size_mb + 256))
        try:
            bytearray(1024 * 1024 * 1024)
        except MemoryError:
            return "MemoryError"
        return None

    assert run_child(body).value == "MemoryError"


def test_capabilities_are_dropped(probe: dict[str, tuple[bool | None, str]]) -> None:
    require(probe, "capabilities")

    def body() -> object:
        drop_capabilities()
        return [status_field("CapEff"), status_field("CapPrm"), status_field("CapBnd")]

    value = run_child(body).value
    assert isinstance(value, list)
    checked = value if os.geteuid() == 0 else value[:2]  # only root can empty its bounding set
    assert set(checked) == {"0000000000000000"}


def test_unprivileged_user_gets_namespaces_through_a_user_namespace() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to become an unprivileged user for the test")

    def body() -> object:
        os.setgid(65534)
        os.setuid(65534)
        try:
            enter_user_namespace()
        except PermissionError as exc:
            return f"refused: {exc}"
        enter_network_namespace()
        return os.geteuid()

    value = run_child(body).value
    if isinstance(value, str):
        pytest.skip(f"unprivileged user namespaces are {value}")
    assert value == 0


# ---- seccomp --------------------------------------------------------------------------------


def try_forbidden_calls() -> dict[str, object]:
    """What seccomp must stop, and what it must let through."""
    result: dict[str, object] = {}
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        result["inet"] = "created"
    except OSError as exc:
        result["inet"] = exc.errno
    left, right = socket.socketpair(socket.AF_UNIX)
    left.close(), right.close()
    result["unshare"] = libc_call("unshare", 0x40000000)  # CLONE_NEWNET
    pid = os.fork()  # clone without namespace flags stays allowed
    if pid == 0:
        os._exit(0)
    result["fork"] = os.waitpid(pid, 0)[1]
    result["ptrace"] = libc_call("ptrace", PTRACE_TRACEME, 0, 0, 0)  # last: a tracee stops
    return result


def test_seccomp_denies_inet_sockets_ptrace_and_unshare(
    probe: dict[str, tuple[bool | None, str]],
) -> None:
    require(probe, "seccomp")

    def body() -> object:
        install_seccomp()
        return try_forbidden_calls()

    control = run_child(try_forbidden_calls).value
    assert isinstance(control, dict)
    # errno is only meaningful after a failure: the control's calls all succeed
    assert control["inet"] == "created" and control["ptrace"][0] == 0
    assert run_child(body).value == {
        "inet": errno.EPERM,
        "ptrace": [-1, errno.EPERM],
        "unshare": [-1, errno.EPERM],
        "fork": 0,
    }


# ---- torch still works ----------------------------------------------------------------------


LOCKED_DOWN_TORCH = """
import json, os, sys
from pathlib import Path
import torch
from grader.jail.layers import SandboxPolicy, apply_policy
workdir, readable = Path(sys.argv[1]), tuple(Path(p) for p in json.loads(sys.argv[2]))
policy = SandboxPolicy(workdir=workdir, readable=readable, cpu_s=30, memory_mb=4096, file_mb=4)
apply_policy(policy)
stderr = workdir / "stderr.txt"
with stderr.open("w") as sink:
    os.dup2(sink.fileno(), 2)  # a denied read would show up here (cpuinfo logs errors)
import encodings.idna  # lazily imported stdlib module
import fractions
import numpy.random
x = torch.linspace(-2, 2, 5, requires_grad=True)
(torch.relu(x) ** 2).sum().backward()
w = torch.randn(100, 100, requires_grad=True)
(w @ w).relu().sum().backward()
noise = numpy.random.default_rng(0).random(2).tolist()
sys.stderr.flush()
finite = bool(torch.isfinite(w.grad).all())
print(json.dumps([x.grad.tolist(), finite, len(noise), stderr.read_text()]))
"""


def test_torch_and_numpy_work_after_full_lockdown(
    policy: SandboxPolicy, probe: dict[str, tuple[bool | None, str]]
) -> None:
    # A fresh interpreter, as the zygote is: forking this test process, which has run torch
    # computations in other tests, could deadlock in torch's thread pools.
    require(probe, "landlock")
    readable = json.dumps([str(p) for p in policy.readable])
    done = subprocess.run(
        [sys.executable, "-c", LOCKED_DOWN_TORCH, str(policy.workdir), readable],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == [[0.0, 0.0, 0.0, 2.0, 4.0], True, 2, ""]


# ---- the layer table and the seccomp table --------------------------------------------------


def test_every_layer_has_a_unique_name_and_says_what_it_protects() -> None:
    from grader.jail.layers import LAYERS

    assert len(NAMES) == len(set(NAMES)) == len(LAYERS)
    assert {"ipc_namespace", "uts_namespace", "cgroups", "seccomp", "landlock"} <= set(NAMES)
    for layer in LAYERS:
        assert layer.protects and callable(layer.apply), layer.name
        assert all(NAMES.index(first) < NAMES.index(layer.name) for first in layer.after)


def test_seccomp_table_names_resolve_on_every_architecture() -> None:
    from grader.jail.layers.seccomp import ARCHES, AUDIT_ARCH, DENIED, NUMBERS, X32_ABI, Arch

    names = [name for group in DENIED.values() for name in group]
    assert len(names) == len(set(names)) and set(names) <= set(NUMBERS)
    for special in ("socket", "clone", "clone3", "seccomp"):
        assert all(number is not None for number in NUMBERS[special])
    for index, arch_name in enumerate(ARCHES):
        arch = Arch(arch_name, AUDIT_ARCH[arch_name], X32_ABI[arch_name])
        numbers = [NUMBERS[name][index] for name in names if NUMBERS[name][index] is not None]
        assert len(numbers) == len(set(numbers)), f"{arch_name}: two names share a number"
        assert set(arch.denied()) == set(numbers)
    assert NUMBERS["ptrace"][0] == 101 and NUMBERS["unshare"] == (272, 97)


def test_seccomp_program_keeps_the_x32_guard_and_the_clone_mask() -> None:
    from grader.jail.layers.namespaces import CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWUTS
    from grader.jail.layers.seccomp import CLONE_NAMESPACES, Arch, seccomp_program

    for flag in (CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS):
        assert CLONE_NAMESPACES & flag
    x86 = seccomp_program(Arch("x86_64", 0xC000003E, True))
    arm = seccomp_program(Arch("aarch64", 0xC00000B7, False))
    assert any(op[0] == 0x35 and op[3] == 0x40000000 for op in x86)  # JGE x32 bit: EPERM
    assert not any(op[0] == 0x35 for op in arm)
    assert any(op[0] == 0x45 and op[3] == CLONE_NAMESPACES for op in x86)
