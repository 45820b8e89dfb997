"""The session and namespace layers, each set up in a forked child and inspected from /proc.

The child is a fork of the test process (root here), applies one layer from
grader.jail.layers.namespaces, and reports what /proc and the system calls show: its namespace
inodes against the parent's, its host name, its network interfaces, its mount table, its uid
map, its session. Where a layer's effect would not show from this machine's state (no mount
here propagates), the child first makes the state where it would. Cheap enough for every mutant
of grader/jail/layers/namespaces.py (benchmarks/mutation.sh); tests/test_isolation.py checks
the layers from a real sandbox.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.jail.layers import namespaces
from grader.jail.layers.base import LayerUnavailable, NotNeeded, SandboxPolicy, mount, unshare
from grader.jail.layers.namespaces import (
    IPC,
    MOUNT,
    NETWORK,
    SESSION,
    USER,
    UTS,
    WORKDIR_TMPFS,
    enter_ipc_namespace,
    enter_mount_namespace,
    enter_network_namespace,
    enter_user_namespace,
    enter_uts_namespace,
    mount_workdir_tmpfs,
    start_session,
)

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not Path("/proc/self/ns/uts").exists(),
    reason="sets up namespaces as root and reads them from /proc",
)
NOBODY = 65534
MS_SHARED = 1 << 20


def in_child(attempt: Callable[[], Any]) -> Any:
    """Fork, run `attempt` in the child and return its JSON report (an exception's repr under
    "exception")."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.close(reader)
            report: Any = attempt()
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            report, code = {"exception": f"{type(exc).__name__}: {exc}"}, 3
        try:
            os.write(writer, json.dumps(report).encode())
        finally:
            os._exit(code)
    os.close(writer)
    chunks = []
    while chunk := os.read(reader, 1 << 16):
        chunks.append(chunk)
    os.close(reader)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), status
    return json.loads(b"".join(chunks))


def namespace(kind: str) -> int:
    return os.stat(f"/proc/self/ns/{kind}").st_ino


KINDS = ("mnt", "net", "ipc", "uts", "user", "pid", "cgroup")


def after(apply: Callable[[], str]) -> dict[str, Any]:
    """What changed in the child once `apply` ran: its note and the namespaces now its own."""
    before = {kind: namespace(kind) for kind in KINDS}
    note = apply()
    return {
        "note": note,
        "new": sorted(kind for kind in KINDS if namespace(kind) != before[kind]),
        "hostname": socket.gethostname(),
        "interfaces": sorted(name for _, name in socket.if_nameindex()),
    }


def test_the_network_namespace_has_no_interface_up() -> None:
    found = in_child(lambda: after(enter_network_namespace))
    assert found["new"] == ["net"] and found["note"] == "no interfaces"
    assert found["interfaces"] == ["lo"]

    with socket.socket() as server:  # the host's loopback, listening
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def connect(isolated: bool) -> str:
            if isolated:
                enter_network_namespace()
            with socket.socket() as client:
                client.settimeout(5)
                try:
                    client.connect(("127.0.0.1", port))
                except OSError as exc:
                    return f"connect: {exc.strerror}"
                return "connected"

        assert in_child(lambda: connect(False)) == "connected"  # the test is live
        assert in_child(lambda: connect(True)) != "connected"


def test_the_ipc_namespace_is_the_sandboxs_own() -> None:
    found = in_child(lambda: after(enter_ipc_namespace))
    assert found["new"] == ["ipc"] and found["note"] == ""


def test_the_uts_namespace_has_its_own_host_name() -> None:
    host = socket.gethostname()
    found = in_child(lambda: after(enter_uts_namespace))
    assert found["new"] == ["uts"] and found["hostname"] == "sandbox" == namespaces.HOSTNAME
    assert found["note"] == "host name 'sandbox'"
    assert socket.gethostname() == host  # the host's name did not change


def shared_mount_then(apply: Callable[[], str], folder: Path) -> dict[str, Any]:
    """A shared mount, then `apply`: what the child's mount table says about propagation."""
    unshare(namespaces.CLONE_NEWNS, "unshare")  # this child's own table, to make a shared mount
    mount("tmpfs", str(folder), "tmpfs", 0, "size=1m")
    mount(None, str(folder), None, MS_SHARED, "")
    marked = [line for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    shared_before = sum(" shared:" in line for line in marked)
    # kept open: the namespace, and the peer group its shared mount leads, outlive the unshare
    kept = os.open("/proc/self/ns/mnt", os.O_RDONLY)
    found = after(apply)
    lines = Path("/proc/self/mountinfo").read_text().splitlines()
    os.close(kept)
    found["shared before"] = shared_before
    found["shared after"] = sum(" shared:" in line for line in lines)
    found["slave after"] = sum(" master:" in line for line in lines)
    return found


def test_the_mount_namespace_propagates_nothing(tmp_path: Path) -> None:
    found = in_child(lambda: shared_mount_then(enter_mount_namespace, tmp_path))
    assert found["new"] == ["mnt"] and found["note"] == ""
    assert found["shared before"] >= 1  # the test is live: a shared mount was there
    assert found["shared after"] == 0  # every mount private, recursively
    assert found["slave after"] == 0  # private: not even receiving from the host
    assert not any(tmp_path.iterdir()) and os.path.ismount(tmp_path) is False


def test_a_mount_in_the_namespace_stays_there(tmp_path: Path) -> None:
    def attempt() -> bool:
        enter_mount_namespace()
        mount("tmpfs", str(tmp_path), "tmpfs", 0, "size=1m")
        return os.path.ismount(tmp_path)

    assert in_child(attempt) is True
    assert os.path.ismount(tmp_path) is False


def test_as_root_no_user_namespace_is_needed() -> None:
    found = in_child(lambda: after(enter_user_namespace))
    assert found == {"exception": "NotNeeded: not needed: running as root"}
    with pytest.raises(NotNeeded):
        enter_user_namespace()  # and nothing was unshared on the way (the parent is still here)


def as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def test_an_ordinary_user_becomes_root_inside_its_user_namespace() -> None:
    def control() -> str:
        as_nobody()
        unshare(0x10000000, "unshare")  # the kernel's CLONE_NEWUSER, not the module's
        return "allowed"

    possible = in_child(control)
    if possible != "allowed":
        pytest.skip(f"no user namespaces for ordinary users here: {possible}")

    def attempt() -> dict[str, Any]:
        as_nobody()
        found = after(enter_user_namespace)
        found["uid_map"] = Path("/proc/self/uid_map").read_text().split()
        found["gid_map"] = Path("/proc/self/gid_map").read_text().split()
        found["setgroups"] = Path("/proc/self/setgroups").read_text().strip()
        found["ids"] = [os.geteuid(), os.getegid()]
        return found

    found = in_child(attempt)
    assert "exception" not in found, found
    assert found["new"] == ["user"] and found["note"] == f"uid {NOBODY} is root inside"
    assert found["uid_map"] == ["0", str(NOBODY), "1"]
    assert found["gid_map"] == ["0", str(NOBODY), "1"]
    assert found["setgroups"] == "deny" and found["ids"] == [0, 0]


def test_the_layers_apply_one_after_another_as_in_a_sandbox() -> None:
    def attempt() -> dict[str, Any]:
        before = {kind: namespace(kind) for kind in KINDS}
        for layer in (NETWORK, MOUNT, IPC, UTS):
            layer.apply(None)  # type: ignore[arg-type]
        return {"new": sorted(k for k in KINDS if namespace(k) != before[k])}

    assert in_child(attempt) == {"new": ["ipc", "mnt", "net", "uts"]}


# ---- the session ---------------------------------------------------------------------------


def test_a_child_becomes_the_leader_of_a_new_session() -> None:
    def attempt() -> list[Any]:
        note = start_session()
        return [note, os.getsid(0) == os.getpid(), os.getpgid(0) == os.getpid()]

    assert in_child(attempt) == ["", True, True]


def test_a_session_leader_is_told_so() -> None:
    def attempt() -> str:
        os.setsid()
        return start_session()

    assert in_child(attempt) == "already a session leader"


def test_a_group_leader_that_leads_no_session_cannot_start_one() -> None:
    def attempt() -> str:
        os.setpgid(0, 0)  # leads its group, so setsid is refused; not a session leader
        return start_session()

    assert in_child(attempt) == {"exception": "PermissionError: [Errno 1] Operation not permitted"}


# ---- the workdir's tmpfs -----------------------------------------------------------------------


def policy(workdir: Path, size_mb: int | None) -> SandboxPolicy:
    return SandboxPolicy(
        workdir=workdir, readable=(), cpu_s=10, memory_mb=None, file_mb=1, workdir_tmpfs_mb=size_mb
    )


def test_the_workdir_is_covered_by_a_tmpfs_of_the_asked_size(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (work / "data" / "weights.txt").write_text("0.5\n")
    (work / "link").symlink_to("data/weights.txt")

    def attempt() -> dict[str, Any]:
        enter_mount_namespace()
        note = mount_workdir_tmpfs(policy(work, 3))
        line = next(
            line.split()
            for line in Path("/proc/self/mountinfo").read_text().splitlines()
            if line.split()[4] == str(work)
        )
        size = os.statvfs(work)
        return {
            "note": note,
            "type": line[line.index("-") + 1],
            "options": line[5].split(","),
            "super": line[-1].split(","),
            "bytes": size.f_blocks * size.f_frsize,
            "mode": oct(os.stat(work).st_mode & 0o7777),
            "weights": (work / "data" / "weights.txt").read_text(),
            "link": os.readlink(work / "link"),
        }

    found = in_child(attempt)
    assert found["note"] == "3 MiB" and found["type"] == "tmpfs"
    assert found["bytes"] == 3 * 2**20 and "mode=700" in found["super"]
    # the copy then gives the tmpfs's root the covered folder's own mode (copytree's copystat)
    assert found["mode"] == oct(work.stat().st_mode & 0o7777)
    assert "nosuid" in found["options"] and "nodev" in found["options"]
    assert found["weights"] == "0.5\n" and found["link"] == "data/weights.txt"  # kept, as a link
    assert not os.path.ismount(work)  # only the child's namespace has it


def test_no_tmpfs_unless_asked_for(tmp_path: Path) -> None:
    with pytest.raises(LayerUnavailable, match="^not asked for$"):
        mount_workdir_tmpfs(policy(tmp_path, None))
    assert WORKDIR_TMPFS.when(policy(tmp_path, None)) is False
    assert WORKDIR_TMPFS.when(policy(tmp_path, 8)) is True
    assert WORKDIR_TMPFS.after == ("mount_namespace",)


def test_the_descriptor_of_the_workdir_is_closed_after_the_copy(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()

    def attempt() -> int:
        enter_mount_namespace()
        before = len(os.listdir("/proc/self/fd"))
        mount_workdir_tmpfs(policy(work, 1))
        return len(os.listdir("/proc/self/fd")) - before

    assert in_child(attempt) == 0


# ---- the layers' names and what a sandbox loses without them --------------------------------


def test_each_layer_has_its_name_and_its_loss() -> None:
    assert [layer.name for layer in (SESSION, USER, NETWORK, MOUNT, IPC, UTS, WORKDIR_TMPFS)] == [
        "session",
        "user_namespace",
        "network_namespace",
        "mount_namespace",
        "ipc_namespace",
        "uts_namespace",
        "workdir_tmpfs",
    ]
    assert SESSION.apply is start_session and USER.apply is enter_user_namespace
    assert NETWORK.apply is enter_network_namespace and MOUNT.apply is enter_mount_namespace
    assert IPC.apply is enter_ipc_namespace and UTS.apply is enter_uts_namespace
    assert WORKDIR_TMPFS.apply is mount_workdir_tmpfs
    assert all(layer.required for layer in (SESSION, USER, NETWORK, MOUNT, IPC, UTS))
    assert "process group" in SESSION.protects and "root" in USER.protects
    assert "network" in NETWORK.protects and "mounts" in MOUNT.protects
    assert "SysV" in IPC.protects and "name" in UTS.protects and "disk" in WORKDIR_TMPFS.protects


# ---- what the doctor says a missing layer costs ------------------------------------------------


def test_the_doctor_says_what_a_sandbox_loses_without_each_layer() -> None:
    """The line `grade doctor` and a degraded report print for each layer switched off."""
    from grader.judge.doctor import examine

    losses = {
        "session": "the sandbox cannot be killed as one process group",
        "user_namespace": "no user namespaces: the other namespaces need root",
        "network_namespace": "the sandbox shares the host's network and abstract Unix sockets",
        "mount_namespace": "the sandbox shares the host's mounts (no private /proc, no tmpfs)",
        "ipc_namespace": "SysV shared memory, semaphores and message queues are shared with "
        "every other sandbox",
        "uts_namespace": "the sandbox sees the host's name and shares it",
        "workdir_tmpfs": "the sandbox's total disk use is not capped",
    }
    notes = {line.name: line.note for line in examine(disabled=tuple(losses))}
    assert {name: notes[name] for name in losses} == {
        name: f"{loss} (disabled by the grader's settings)" for name, loss in losses.items()
    }
