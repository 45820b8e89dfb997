"""Session and namespace layers: what the sandbox shares with the host, and with other sandboxes.

Each namespace is unshared by the sandbox itself, before student code loads. As root no user
namespace is needed for the others; as an ordinary user it comes first and maps the user to
root inside. The IPC namespace gives the sandbox its own SysV shared memory, semaphores and
message queues and POSIX message queues (without it a segment one student's sandbox creates
outlives it and the next student's reads it); the UTS namespace its own host name, set to
`sandbox` (the host's name is not the student's business, and a change stays inside).
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

from grader.jail.layers.base import (
    Layer,
    LayerUnavailable,
    NotNeeded,
    SandboxPolicy,
    mount,
    prctl,
    unshare,
)

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 1 << 14, 1 << 18
_PR_SET_DUMPABLE = 4
HOSTNAME = "sandbox"


def start_session(policy: SandboxPolicy | None = None) -> str:
    """Become the leader of a new session and process group."""
    try:
        os.setsid()
    except PermissionError:
        if os.getsid(0) != os.getpid():
            raise
        return "already a session leader"
    return ""


def enter_user_namespace(policy: SandboxPolicy | None = None) -> str:
    """Unshare a user namespace mapping the caller to root inside (only needed when not root)."""
    uid, gid = os.geteuid(), os.getegid()
    if uid == 0:
        raise NotNeeded("not needed: running as root")
    prctl(_PR_SET_DUMPABLE, 1)  # after a setuid, /proc/self/*_map would belong to root
    unshare(CLONE_NEWUSER, "unshare(CLONE_NEWUSER)")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
    Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    return f"uid {uid} is root inside"


def enter_network_namespace(policy: SandboxPolicy | None = None) -> str:
    """A network namespace with no interface up: no connection goes anywhere, even loopback.
    Abstract Unix socket names belong to it too, so no other sandbox's are reachable."""
    unshare(CLONE_NEWNET, "unshare(CLONE_NEWNET)")
    return "no interfaces"


def enter_mount_namespace(policy: SandboxPolicy | None = None) -> str:
    """A private copy of the mount table; nothing mounted here propagates back to the host."""
    unshare(CLONE_NEWNS, "unshare(CLONE_NEWNS)")
    mount(None, "/", None, MS_REC | MS_PRIVATE, "")
    return ""


def enter_ipc_namespace(policy: SandboxPolicy | None = None) -> str:
    """Private SysV IPC (shared memory, semaphores, message queues) and POSIX message queues:
    emptied when the sandbox ends, never seen by another sandbox."""
    unshare(CLONE_NEWIPC, "unshare(CLONE_NEWIPC)")
    return ""


def enter_uts_namespace(policy: SandboxPolicy | None = None) -> str:
    """A private host name, `sandbox`: the host's is not shown, a change stays inside."""
    unshare(CLONE_NEWUTS, "unshare(CLONE_NEWUTS)")
    socket.sethostname(HOSTNAME)
    return f"host name {HOSTNAME!r}"


def mount_workdir_tmpfs(policy: SandboxPolicy) -> str:
    """Cover the workdir with a tmpfs of `policy.workdir_tmpfs_mb`, keeping its files."""
    if policy.workdir_tmpfs_mb is None:
        raise LayerUnavailable("not asked for")
    workdir, size_mb = policy.workdir, policy.workdir_tmpfs_mb
    underneath = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        options = f"size={size_mb}m,mode=0700"
        mount("tmpfs", str(workdir), "tmpfs", MS_NOSUID | MS_NODEV, options)
        shutil.copytree(f"/proc/self/fd/{underneath}", workdir, symlinks=True, dirs_exist_ok=True)
    finally:
        os.close(underneath)
    return f"{size_mb} MiB"


SESSION = Layer("session", "the sandbox cannot be killed as one process group", start_session)
USER = Layer(
    "user_namespace", "no user namespaces: the other namespaces need root", enter_user_namespace
)
NETWORK = Layer(
    "network_namespace",
    "the sandbox shares the host's network and abstract Unix sockets",
    enter_network_namespace,
)
MOUNT = Layer(
    "mount_namespace",
    "the sandbox shares the host's mounts (no private /proc, no tmpfs)",
    enter_mount_namespace,
)
IPC = Layer(
    "ipc_namespace",
    "SysV shared memory, semaphores and message queues are shared with every other sandbox",
    enter_ipc_namespace,
)
UTS = Layer("uts_namespace", "the sandbox sees the host's name and shares it", enter_uts_namespace)
WORKDIR_TMPFS = Layer(
    "workdir_tmpfs",
    "the sandbox's total disk use is not capped",
    mount_workdir_tmpfs,
    after=("mount_namespace",),
    when=lambda policy: policy.workdir_tmpfs_mb is not None,
)
