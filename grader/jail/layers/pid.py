"""The PID namespace layer, and the private `/proc` with its task cap that builds on it.

`enter_pid_namespace`: the caller's process stays outside as a waiter: it exits with the
sandbox's exit status, or re-raises the signal that killed it, so whoever waits for it sees the
sandbox's fate. Inside, a small init (PID 1) reaps orphans and forks the sandbox, which is PID 2
and returns here. When the sandbox exits, the init exits and the kernel kills everything left
in the namespace, double-forked daemons included. Both die with their parent
(PR_SET_PDEATHSIG).

Why not continue as PID 1, as first sketched: a namespace's init ignores every signal it has no
handler for unless the kernel forces it. Measured here: RLIMIT_CPU's SIGXCPU was ignored (the
hard limit's SIGKILL ended it a second later), abort() ended as SIGSEGV, SIGTERM did nothing.
As PID 2 the sandbox dies as an ordinary process; the extra fork costs ~5 ms.
"""

from __future__ import annotations

import os
import platform
import re
import resource
import select
import signal
from pathlib import Path
from typing import NoReturn

from grader.jail.layers.base import (
    Layer,
    LayerUnavailable,
    SandboxPolicy,
    mount,
    prctl,
    unshare,
)

CLONE_NEWPID = 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
_PR_SET_PDEATHSIG = 1
INIT_FAILED = 70  # exit status of a waiter or init that could not do its job
TASK_PID_MAX = 512  # the sandbox's PID namespace never has this many tasks (see cap_tasks)


def enter_pid_namespace() -> bool:
    """Continue in a new PID namespace; False (and no change) where that is not permitted."""
    try:
        fork_into_pid_namespace()
    except (OSError, LayerUnavailable):
        return False
    return True


def fork_into_pid_namespace(policy: SandboxPolicy | None = None) -> str:
    unshare(CLONE_NEWPID, "unshare(CLONE_NEWPID)")
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
        os._exit(INIT_FAILED)
    if sandbox != 0:
        _reap_until(sandbox, status_write)
    os.close(status_write)
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    return "sandbox is PID 2 under a reaping init"


def mount_proc(policy: SandboxPolicy | None = None) -> str:
    """Mount a fresh /proc (inside a PID and a mount namespace: it lists only the sandbox)."""
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "")
    return "fresh /proc"


def mount_proc_and_cap_tasks(policy: SandboxPolicy | None = None) -> str:
    """`mount_proc`, then `cap_tasks`; the note says what each did (a cap that fails is noted)."""
    note = mount_proc()
    try:
        return f"{note}; {cap_tasks()}"
    except (OSError, LayerUnavailable) as exc:
        return f"{note}; tasks not capped ({exc})"


def cap_tasks(pid_max: int = TASK_PID_MAX) -> str:
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


def _die_with_parent(pipe_write: int) -> None:
    """Be killed with the parent; exit now if it is already gone (its read end is closed)."""
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    poller = select.poll()
    poller.register(pipe_write, select.POLLOUT)
    if any(events & select.POLLERR for _, events in poller.poll(0)):
        os._exit(INIT_FAILED)


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
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else INIT_FAILED)
    except BaseException:  # noqa: BLE001 - this process must never return to the caller
        os._exit(INIT_FAILED)


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
        code = INIT_FAILED
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


PID = Layer(
    "pid_namespace",
    "the sandbox sees host processes, and daemons it starts outlive it",
    fork_into_pid_namespace,
)
PRIVATE_PROC = Layer(
    "private_proc",
    "/proc shows the host's processes, and the sandbox's tasks are not capped",
    mount_proc_and_cap_tasks,
    after=("mount_namespace", "pid_namespace"),
)
