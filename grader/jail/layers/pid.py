"""The PID namespace layer, and the private `/proc` with its task cap that builds on it.

`enter_pid_namespace`: the caller's process stays outside as a waiter: it exits with the
sandbox's exit status, or re-raises the signal that killed it, so whoever waits for it sees the
sandbox's fate. After `unshare(CLONE_NEWPID)` the waiter's first child becomes PID 1 of the new
namespace and its next the sandbox, PID 2, which returns here. PID 1 is `cat` reading a pipe
whose only write end the waiter holds, started with `posix_spawn` (a vfork: none of the
zygote's page tables copied, where a fork of the 300 MiB interpreter costs about a third of an
empty sandbox's CPU). It ignores every signal from inside the namespace (an init does), and
dies when the waiter ends however it ends (end of file; also the waiter's SIGKILL once the
sandbox has exited); the kernel then kills everything left in the namespace, double-forked
daemons included, and the waiter only exits once the namespace is empty. The sandbox dies with
the waiter (PR_SET_PDEATHSIG). `cat` reaps nothing: orphans stay zombies until the sandbox
ends, and count against the task cap and `pids.max` meanwhile (a submission that leaves
hundreds of them can fork no more, as a fork bomb cannot). Where no `cat` is found the waiter
forks a Python init that reaps, and forks the sandbox from it (three forks, as before).

Why not continue as PID 1, as first sketched: a namespace's init ignores every signal it has no
handler for unless the kernel forces it. Measured here: RLIMIT_CPU's SIGXCPU was ignored (the
hard limit's SIGKILL ended it a second later), abort() ended as SIGSEGV, SIGTERM did nothing.
As PID 2 the sandbox dies as an ordinary process.
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
INIT_PROGRAMS = ("/usr/bin/cat", "/bin/cat")  # PID 1: reads its stdin until end of file
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
    init_read, init_write = os.pipe()  # the init's stdin: the waiter holds the only write end
    init_pid = _spawn_init(init_read)
    if init_pid is None:
        return _fork_python_init(init_read, init_write)
    os.close(init_read)
    try:
        sandbox = os.fork()
    except BaseException:  # the namespace is unusable: end it, and the layer is missing
        os.kill(init_pid, signal.SIGKILL)
        os.close(init_write)
        raise
    if sandbox != 0:
        _wait_and_end_namespace(sandbox, init_pid, init_write)
    try:
        os.close(init_write)
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != 0:  # the waiter (outside the namespace, so 0 here) is already gone
            os._exit(INIT_FAILED)
    except BaseException:  # noqa: BLE001 - this process must never return half-made
        os._exit(INIT_FAILED)
    return "sandbox is PID 2; PID 1 is a spawned waiter that dies with it"


def _spawn_init(stdin: int) -> int | None:
    """Start `cat` reading `stdin` as PID 1 (vfork and exec), holding no other descriptor."""
    program = next((path for path in INIT_PROGRAMS if os.access(path, os.X_OK)), None)
    if program is None:
        return None
    actions: list[tuple[int | str, ...]] = [(os.POSIX_SPAWN_DUP2, stdin, 0)]
    actions += [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
    actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in _open_fds() if fd > 2]
    try:
        return os.posix_spawn(program, [program], {}, file_actions=actions, setsigmask=())
    except OSError:
        return None


def _open_fds() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/fd")]
    except (OSError, ValueError):
        return list(range(3, 1024))


def _wait_and_end_namespace(sandbox: int, init_pid: int, keep: int) -> NoReturn:
    """Outside the namespace: wait for the sandbox, end the namespace, then end as it ended."""
    try:
        _close_fds_except(keep)
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        while True:
            pid, status = os.waitpid(-1, 0)
            if pid == sandbox:
                break
            if pid == init_pid:  # the namespace ended first: the sandbox was killed with it
                init_pid = 0
        if init_pid:
            os.kill(init_pid, signal.SIGKILL)  # forced from outside: the namespace ends
            os.waitpid(init_pid, 0)  # returns once every process in it is gone
        _mirror(status)
    except BaseException:  # noqa: BLE001 - this process must never return to the caller
        os._exit(INIT_FAILED)


def _fork_python_init(status_read: int, status_write: int) -> str:
    """Three forks: this waiter, a Python init (PID 1) that reaps, the sandbox (PID 2)."""
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
        _mirror(int.from_bytes(reported, "little") if len(reported) == 4 else own_status)
    except BaseException:  # noqa: BLE001 - this process must never return to the caller
        os._exit(INIT_FAILED)


def _mirror(status: int) -> NoReturn:
    """End as a process with wait status `status` ended."""
    if os.WIFSIGNALED(status):
        _reraise(os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else INIT_FAILED)


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
