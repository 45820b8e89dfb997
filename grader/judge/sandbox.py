"""Judge-side handle on sandbox processes: start them, ask them questions, enforce limits.

An `Engine` owns the way sandboxes are made. The default forks them from a zygote: the
stdlib forkserver with torch and `grader.jail.serve` preloaded, started once per judge process
with a
clean environment, so a sandbox costs milliseconds instead of a fresh interpreter's seconds.
The `spawn` engine starts a fresh interpreter per sandbox, for platforms without fork.

A `Sandbox` is one process serving one submission. Every wait on it has a wall-clock limit
enforced here, from outside, and so does every read and write of its connection: frames are
moved with non-blocking I/O against a deadline (grader.wire.frames), so a sandbox that
announces a frame and stalls half-way, or stops reading, cannot hang the judge. On a timeout, a
crash or `close()` its whole process group is killed. Replies are decoded by
`grader.wire.protocol`, the trust boundary, and read as `grader.wire.messages` (a reply never
says `passed`; one of an unknown kind is malformed): what comes back is plain data or a
`SandboxOutcome` carrying a verdict, never an object the sandbox made.

Each sandbox's isolation settings (`SandboxPolicy`) are made from the exercise's `Limits` in
one place, `grader.judge.policy.sandbox_policy`. Where the machine offers cgroups, the judge
makes one per sandbox before it starts (`grader.judge.cgroups`): the sandbox joins it before
it forks anything, and at the end every process in it is killed and the cgroup removed.

`GRADE_DISABLE_LAYERS` (comma-separated names from `grader.jail.layers.NAMES`) makes an
`Engine` skip those isolation layers, as a machine without them would: the results then say
"degraded isolation" and name them. It exists to test the degraded path, and as a way out
should a layer misbehave somewhere.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from grader.jail.layers import NAMES
from grader.judge.cgroups import SandboxCgroup, machine_hierarchy
from grader.judge.policy import sandbox_policy
from grader.outputs.models import Limits, Verdict

if TYPE_CHECKING:
    from grader.jail.serve import JailConfig
    from grader.wire.messages import Op

# The sandbox's entry point and the wire (both import torch) are imported when the first sandbox
# is made, not with this module: `grade exerciseN` starts the zygote (a torch import) before
# the judge imports torch itself, so the two imports run side by side (tests/test_cold_start.py).

EngineMode = Literal["forkserver", "spawn"]
# What the zygote imports once. Besides torch itself: modules torch imports lazily on first
# use, so that no sandbox pays for them again. The first backward through a custom autograd
# Function pulls in torch.fx and sympy (about 0.5 s); the first optimizer.step() imports
# torch._dynamo (1.5 s or more). Importing them computes nothing and starts no thread.
# grader.jail.probing is imported here, before any student code, so a submission cannot plant
# its own.
PRELOAD = [
    "torch",
    "torch.fx.experimental.symbolic_shapes",
    "torch._dynamo",
    "torch.optim",
    "torch.utils.data",
    "numpy",
    "grader.jail.probing",
    "grader.jail.serve",
    "grader.jail.prepare_zygote",  # last: prepares the preloaded process for cheap forks
]
GROUP_EXIT_S = 2.0  # how long kill() waits for the killed process group to be gone
SAFE_ENV_KEYS = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "SYSTEMROOT")
# One compute thread per sandbox, fixed before the zygote imports torch: OpenMP, MKL and
# OpenBLAS size their thread pools when they load, so setting this inside a sandbox is too late.
# On a batch's busy cores, extra threads only spin: profiled, a third of the sandboxes' CPU time
# went to libgomp waiting for work on the exercises' small tensors.
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
DISABLE_LAYERS_ENV = "GRADE_DISABLE_LAYERS"
# Waiting for a new sandbox to say it is ready runs no student code: it is the engine's time,
# generous because a zygote that died is restarted on the way (a fresh torch import).
STARTUP_S = 60.0
RUN_DIR_PREFIX = "grade-run-"  # then <pid namespace>-<judge pid>-: whose folder it is


class SandboxOutcome(Exception):
    """A call that did not produce an answer: the verdict it earns and why."""

    def __init__(self, verdict: Verdict, message: str, trace: str = "") -> None:
        super().__init__(message)
        self.verdict: Verdict = verdict
        self.message = message
        self.trace = trace

    def feedback(self) -> str:
        """The message, then the student's own traceback frames (without repeating the message)."""
        trace = self.trace.rstrip()
        if trace.endswith(self.message.strip()):
            trace = trace[: len(trace) - len(self.message.strip())].rstrip()
        return f"{self.message}\n{trace}".strip()


class EngineError(Exception):
    """The engine itself cannot make sandboxes (a setup problem, not a student's)."""


@contextlib.contextmanager
def clean_child_environment() -> Iterator[None]:
    """Start child interpreters with no secrets in their environment, from the root folder.

    The environment is replaced by a few safe keys (and one compute thread), and the working
    directory by `/`: a child interpreter puts its working directory first on sys.path, so a
    `torch.py` wherever the judge was started must not shadow the real one in the zygote. (`/`
    rather than a temporary folder: the zygote outlives it, and torch's MKL refuses to load from
    a deleted one.)
    """
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update({k: v for k, v in saved_env.items() if k in SAFE_ENV_KEYS})
    os.environ.update(ONE_THREAD_ENV, PYTHONDONTWRITEBYTECODE="1")
    os.chdir(os.path.abspath(os.sep))
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


@contextlib.contextmanager
def main_module_hidden() -> Iterator[None]:
    """Keep multiprocessing from re-running the judge's __main__ script inside a sandbox.

    Process.start() records the main script's path, and every child runs it again before its
    target: wasted time, and judge code where only sandbox code belongs.
    """
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = saved


class Engine:
    """Makes sandbox processes: forked from a torch-preloaded zygote, or spawned fresh."""

    def __init__(
        self,
        mode: EngineMode = "forkserver",
        preload: Sequence[str] = tuple(PRELOAD),
        disabled_layers: Sequence[str] | None = None,
    ) -> None:
        if mode == "forkserver" and "forkserver" not in multiprocessing.get_all_start_methods():
            mode = "spawn"
        self.mode: EngineMode = mode
        self.context = multiprocessing.get_context(mode)
        self.preload = list(preload)
        if disabled_layers is None:
            disabled_layers = os.environ.get(DISABLE_LAYERS_ENV, "").split(",")
        self.disabled_layers = tuple(sorted({name.strip() for name in disabled_layers} - {""}))
        unknown = ", ".join(sorted(set(self.disabled_layers) - set(NAMES)))
        if unknown:
            raise EngineError(f"{DISABLE_LAYERS_ENV}: no such isolation layer: {unknown}")
        self.cgroups = None if "cgroups" in self.disabled_layers else machine_hierarchy()
        self._started = False

    def start(self) -> None:
        """Start the zygote now (about 2 s once), instead of on the first sandbox."""
        if self._started:
            return
        remove_stale_run_dirs(Path(tempfile.gettempdir()))
        if self.mode == "forkserver":
            _check_socket_folder(tempfile.gettempdir())
            self.context.set_forkserver_preload(self.preload)
            from multiprocessing import forkserver

            with clean_child_environment(), main_module_hidden():
                forkserver.ensure_running()
        self._started = True

    def process(self, conn: Connection, config: JailConfig) -> multiprocessing.process.BaseProcess:
        from grader.jail.serve import main

        self.start()
        proc: multiprocessing.process.BaseProcess = self.context.Process(  # type: ignore[attr-defined]
            target=main, args=(conn, config), daemon=False
        )
        with clean_child_environment(), main_module_hidden():
            proc.start()
        return proc


# The zygote's listening socket lies at TMPDIR/pymp-XXXXXXXX/listener-XXXXXXXX, and a Unix
# socket's path holds at most 107 bytes.
_SOCKET_PATH_MAX, _SOCKET_NAME_LEN = 107, len("/pymp-XXXXXXXX/listener-XXXXXXXX")


def _check_socket_folder(folder: str) -> None:
    """Refuse, in one line, a temporary folder whose path leaves no room for the socket."""
    room = _SOCKET_PATH_MAX - _SOCKET_NAME_LEN
    if len(os.fsencode(folder)) > room:
        raise EngineError(
            f"the temporary folder's path is {len(os.fsencode(folder))} bytes, too long for the "
            f"zygote's socket (at most {room}): set TMPDIR to a shorter folder, such as /tmp"
        )


def _run_dir_owner() -> str:
    """The prefix of this pid namespace's run folders (pids mean nothing across namespaces)."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        namespace = 0
    return f"{RUN_DIR_PREFIX}{namespace}"


def stop_zygote() -> None:
    """Stop this process's zygote and multiprocessing's resource tracker, if they run, and wait
    until they have exited.

    Without it they end on their own once the judge has exited (their pipes close), so they
    would still be running for a moment after the command returned.
    """
    from multiprocessing import forkserver, resource_tracker

    for helper in (forkserver._forkserver, resource_tracker._resource_tracker):
        stop = getattr(helper, "_stop", None)  # CPython's own (3.8+), used by its tests
        if callable(stop):
            stop()


def remove_stale_run_dirs(folder: Path) -> list[Path]:
    """Remove the run folders in `folder` that a killed judge left: this user's, from this pid
    namespace, whose judge process is gone. Others' and live ones are left alone."""
    owner, removed = _run_dir_owner(), []
    for path in folder.glob(f"{owner}-*-*"):
        pid = path.name[len(owner) + 1 :].split("-", 1)[0]
        try:
            found = path.lstat()
            if not (pid.isdigit() and stat.S_ISDIR(found.st_mode)) or found.st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        except OSError:  # alive under another user, or the folder went away meanwhile
            continue
    return removed


@dataclass
class Sandbox:
    """One sandbox process serving one submission; use as a context manager."""

    engine: Engine
    limits: Limits
    device: str
    filename: str
    module_name: str
    probes_path: Path | None = None
    layers: dict[str, bool] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    cgroup: SandboxCgroup | None = None  # made by `launch` where the machine has cgroups
    _cgroup_error: str = ""
    _ids: Iterator[int] = field(default_factory=itertools.count)
    _output_fd: int = -1  # the judge's own read descriptor on the capture file (see launch)

    def __enter__(self) -> Sandbox:
        self.launch()
        return self.wait_ready()

    def same_setup(self, other: Sandbox) -> bool:
        """Made by the same engine for the same exercise, file name, device and limits."""
        return self._setup() == other._setup()

    def _setup(self) -> tuple[object, ...]:
        return (
            self.engine,
            self.limits,
            self.device,
            self.filename,
            self.module_name,
            self.probes_path,
        )

    def open_capture(self) -> None:
        """Make the run folder's capture file and hold it open for reading, before the sandbox
        opens it as its stdout: a file open elsewhere takes no write lease (fcntl F_SETLEASE),
        which would make each of the judge's reads block for the kernel's lease-break time."""
        capture = self.run_dir / "output.txt"
        os.close(os.open(capture, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        self._output_fd = os.open(capture, os.O_RDONLY)

    def launch(self) -> Sandbox:
        """Fork the sandbox and return at once; it locks itself down while the judge works on.

        `wait_ready` must follow before any request (`__enter__` does both).
        """
        from grader.jail.serve import JailConfig
        from grader.jail.zygote import marshalled

        self.run_dir = Path(tempfile.mkdtemp(prefix=f"{_run_dir_owner()}-{os.getpid()}-"))
        work = self.run_dir / "work"
        work.mkdir()
        os.chmod(self.run_dir, 0o755)
        self.open_capture()
        self.conn, child_conn = self.engine.context.Pipe(duplex=True)
        self._make_cgroup()
        policy = sandbox_policy(
            self.limits,
            self.device,
            work,
            self.probes_path,
            self.engine.disabled_layers,
            self.cgroup,
        )
        config = JailConfig(
            run_dir=str(self.run_dir),
            policy=policy,
            device=self.device,
            module_name=self.module_name,
            filename=self.filename,
            probes_path=str(self.probes_path) if self.probes_path else None,
            probes_code=marshalled(str(self.probes_path)) if self.probes_path else b"",
        )
        try:
            self.proc = self.engine.process(child_conn, config)
        finally:
            child_conn.close()
        self.alive = True
        return self

    def _make_cgroup(self) -> None:
        """The sandbox's cgroup, where the machine has them; a refusal is a missing layer."""
        self.cgroup, self._cgroup_error = None, ""
        if self.engine.cgroups is None:
            return
        try:
            # on a GPU, tasks and CPU only: the driver's host memory is not the student's
            cuda = self.device.startswith("cuda")
            self.cgroup = SandboxCgroup.create(self.engine.cgroups, self.limits, memory=not cuda)
        except OSError as exc:
            self._cgroup_error = f"the judge could not make a cgroup: {exc}"

    def wait_ready(self) -> Sandbox:
        """Wait until the launched sandbox reports its isolation layers (EngineError if it
        could not lock down; SandboxOutcome if it died or took too long)."""
        from grader.wire.messages import NotReady, read_ready
        from grader.wire.protocol import ProtocolError

        value = self._receive(max(self.limits.import_s, STARTUP_S), "starting the sandbox")
        try:
            ready = read_ready(value)
        except ProtocolError as exc:
            self.close()
            raise EngineError(f"the sandbox's ready message was malformed: {exc}") from None
        if isinstance(ready, NotReady):
            self.close()
            raise EngineError(ready.message)
        self.layers, self.notes = dict(ready.layers), dict(ready.notes)
        if self._cgroup_error:  # the machine has cgroups, this sandbox is not in one
            self.layers["cgroups"], self.notes["cgroups"] = False, self._cgroup_error
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, op: Op, timeout: float, what: str, **fields: Any) -> Any:
        """Send one request (`fields` are the Request's: source, or name, args and kwargs);
        return the plain value, or raise SandboxOutcome."""
        from grader.wire.frames import send_frame
        from grader.wire.messages import Failure, Request, read_reply
        from grader.wire.protocol import ProtocolError

        if not self.alive:
            raise SandboxOutcome("crashed", "the sandbox is no longer running")
        rid = next(self._ids)
        deadline = time.monotonic() + timeout
        try:
            send_frame(self.conn.fileno(), Request(rid, op, **fields).encode(), deadline)
        except TimeoutError:
            self.kill()
            message = f"{what}: the sandbox stopped reading its requests"
            raise SandboxOutcome("timeout", message) from None
        except OSError:
            self._dead(what)
        value = self._receive(max(0.0, deadline - time.monotonic()), what)
        try:
            reply = read_reply(value, rid)
        except ProtocolError:
            self.kill()
            message = f"the sandbox's reply to {what} was malformed"
            raise SandboxOutcome("invalid", message) from None
        if isinstance(reply, Failure):
            raise SandboxOutcome(reply.kind, reply.message, reply.traceback)
        return reply.value

    def _receive(self, timeout: float, what: str) -> Any:
        from grader.wire.frames import receive_frame
        from grader.wire.protocol import MAX_FRAME_BYTES, ProtocolError, decode

        try:
            frame = receive_frame(self.conn.fileno(), time.monotonic() + timeout, MAX_FRAME_BYTES)
        except TimeoutError:
            self.kill()
            raise SandboxOutcome(
                "timeout", f"{what} took longer than {timeout:.1f} s and was stopped"
            ) from None
        except (EOFError, ConnectionResetError):
            self._dead(what)
        except ProtocolError as exc:
            self.kill()
            raise SandboxOutcome("invalid", f"the reply to {what} was {exc}") from None
        except OSError:
            self._dead(what)
        try:
            return decode(frame)
        except ProtocolError as exc:
            self.kill()
            raise SandboxOutcome(
                "invalid", f"the reply to {what} was not valid plain data: {exc}"
            ) from None

    def _dead(self, what: str) -> None:
        self.proc.join(timeout=2)
        code = self.proc.exitcode
        self.kill()
        if self.cgroup is not None and self.cgroup.oom_killed():
            raise SandboxOutcome(
                "memory", f"{what} used more than {self.limits.memory_mb} MB in all its processes"
            )
        if code is not None and code < 0:
            sig = signal.Signals(-code)
            if sig == signal.SIGXCPU:
                raise SandboxOutcome(
                    "timeout", f"{what} used up its CPU time ({self.limits.cpu_s} s)"
                )
            raise SandboxOutcome("crashed", f"the process was killed by {sig.name} during {what}")
        raise SandboxOutcome("crashed", f"the process exited (code {code}) during {what}")

    def kill(self) -> None:
        """Kill the sandbox's whole process group; safe to call twice."""
        if not getattr(self, "alive", False):
            return
        self.alive = False
        pid = self.proc.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if self.cgroup is not None:
            self.cgroup.kill()  # every process of the tree, whatever its session
        self.proc.join(timeout=5)
        if pid is not None and self.device.startswith("cuda") and os.path.isdir("/proc"):
            _wait_for_group_exit(pid, GROUP_EXIT_S)

    def output(self, limit_bytes: int) -> str:
        """What the submission printed (stdout and stderr together), capped."""
        try:
            data = os.pread(self._output_fd, limit_bytes + 1, 0)
        except OSError:
            return ""
        text = data[:limit_bytes].decode("utf-8", errors="replace")
        return text + ("\n[... output truncated]" if len(data) > limit_bytes else "")

    def close(self) -> None:
        self.kill()
        if self.cgroup is not None:
            self.cgroup.remove_later()
            self.cgroup = None
        with contextlib.suppress(OSError):
            self.conn.close()
        if self._output_fd >= 0:
            os.close(self._output_fd)
            self._output_fd = -1
        shutil.rmtree(self.run_dir, ignore_errors=True)


def _wait_for_group_exit(pgid: int, timeout: float) -> None:
    """Until no live process of the group is left, so the GPU memory it held is free again.

    Zombies do not count: they hold no memory, and the orphaned ones are reaped by the host's
    init whenever it gets to them.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _live_members(pgid):
        time.sleep(0.005)


def _live_members(pgid: int) -> bool:
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            return True
    return False
