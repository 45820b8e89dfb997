"""Sandbox-side code: what runs inside the sandbox process, around the student's module.

The zygote (a forkserver with torch preloaded) imports this module once; each sandbox is a
fork that runs `main`. `main` locks the process down (grader.jail.layers), says which layers are
active *before* any student code runs, then serves the judge's requests: import the
submission, call one of its functions, or run a public probe. Every reply is plain data
encoded by grader.wire.protocol. Nothing here decides a score: everything this process says is
untrusted, and the judge validates it.
"""

from __future__ import annotations

import builtins
import marshal
import os
import stat
import sys
import traceback
import types
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import torch

from grader.jail import probing
from grader.jail.layers import SandboxPolicy, lock_down
from grader.wire import messages, protocol
from grader.wire.messages import (
    Failure,
    FailureKind,
    NotReady,
    Ready,
    Request,
    RequestRefused,
    Success,
)
from grader.wire.protocol import Unencodable

CUDA_FORK_MESSAGE = (
    "the zygote had initialised CUDA before forking this sandbox; CUDA does not survive a fork, "
    "so grading stops here instead of hanging (nothing may touch CUDA before the fork)"
)
MEMORY_MARKERS = ("can't allocate memory", "not enough memory", "out of memory", "bad_alloc")


@dataclass(frozen=True)
class JailConfig:
    """What the judge tells a new sandbox; pickled judge-to-sandbox only (trusted direction)."""

    run_dir: str  # judge-owned; holds the capture file; not writable by the sandbox
    policy: SandboxPolicy  # the isolation layers' settings, made from the exercise's Limits
    device: str
    module_name: str
    filename: str  # shown in tracebacks: the submission's own name
    probes_path: str | None
    probes_code: bytes = b""  # the probes' code object, marshalled by the judge (zygote.marshalled)


def main(conn: Connection, config: JailConfig) -> None:
    """Entry point of a sandbox process (runs in the forked child)."""
    os.setsid()
    _close_inherited_pipes(conn)
    _capture_output(Path(config.run_dir) / "output.txt")
    if forked_after_cuda():
        conn.send_bytes(NotReady(CUDA_FORK_MESSAGE).encode())
        os._exit(71)
    try:
        layers, notes = _lock_down(config)
    except Exception as exc:  # noqa: BLE001 - report, then stop: never run unconfined by accident
        conn.send_bytes(NotReady(f"sandbox setup failed: {exc}").encode())
        os._exit(70)
    conn.send_bytes(Ready(layers, notes, os.getpid()).encode())
    exit_now = os._exit
    own, helpers = _PRESEALED.pop() if _PRESEALED else (_sealed(), None)
    own["_serve"](conn, config, helpers)
    exit_now(0)


WIRE_NAMES = ("Failure", "NotReady", "Ready", "Request", "RequestRefused", "Success")
# The request loop's sealed globals and the probes' private `grader.jail.probing`, made once in
# the zygote (`preseal`) instead of in every sandbox; `main` takes them out of this list before
# any student code runs, so no module attribute leads to them in a sandbox.
_PRESEALED: list[tuple[dict[str, Any], types.ModuleType]] = []


def preseal() -> None:
    """Make what `main` would make before the first request, once, in the zygote.

    Called by the zygote (`grader.jail.prepare_zygote`) before it freezes its heap and forks
    sandboxes; it never runs student code, so what it makes is what a sandbox would make
    itself before the submission is imported, and each sandbox is a fresh fork of it (what one
    student changes in its copy dies with that sandbox). It saves each sandbox about 10 ms of
    CPU: `_sealed`'s private `grader.wire.messages` makes its dataclasses again, and the
    dataclass decorator compiles every method it generates.
    """
    _PRESEALED[:] = [(_sealed(), probing.private_copy())]


def _sealed() -> dict[str, Any]:
    """This module's globals as a private copy whose functions look names up in it alone.

    Student code can reach `grader.jail.serve` and `grader.wire` through sys.modules and rebind
    their functions (`_handle`, `_describe_exception`, `encode`, a message's `encode` ...) or the
    builtins they call. The request loop runs on copies made before any student code: private
    copies of the wire's modules (never in sys.modules), and this module's functions re-made
    over globals (and builtins) that no module attribute leads to.
    """
    wire = probing.private_module(protocol)
    typed = probing.private_module(messages, {protocol.__name__: wire})
    own = private_globals(globals())
    own["Unencodable"] = wire.Unencodable
    own.update({name: getattr(typed, name) for name in WIRE_NAMES})
    return own


def private_globals(module_globals: dict[str, Any]) -> dict[str, Any]:
    """A copy of a module's globals, with its own functions re-made to read this copy (and a
    private copy of the builtins) instead of the module's dictionary."""
    private = dict(module_globals)
    private["__builtins__"] = dict(vars(builtins))
    name = module_globals["__name__"]
    for key, value in module_globals.items():
        if isinstance(value, types.FunctionType) and value.__module__ == name:
            copy = types.FunctionType(
                value.__code__, private, value.__name__, value.__defaults__, value.__closure__
            )
            copy.__kwdefaults__ = value.__kwdefaults__
            private[key] = copy
    return private


def _close_inherited_pipes(conn: Connection) -> None:
    """Close every pipe and socket inherited from the zygote but the judge's connection.

    A forked sandbox inherits the forkserver's "alive" pipe (one byte written there ends the
    zygote, and every later sandbox waits for a new one) and the resource tracker's pipe
    (whose complaints reach the judge's stderr). Only `conn` may lead out of the sandbox.
    """
    from multiprocessing import forkserver, resource_tracker

    keep = conn.fileno()
    for fd in range(3, _highest_fd()):
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        if fd != keep and (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
            os.close(fd)
    for holder, name in (
        (forkserver._forkserver, "_forkserver_alive_fd"),
        (resource_tracker._resource_tracker, "_fd"),
    ):
        if hasattr(holder, name):
            setattr(holder, name, None)  # closed: never write to a number reused later


def _highest_fd() -> int:
    try:
        return max(int(name) for name in os.listdir("/proc/self/fd")) + 1
    except (OSError, ValueError):
        return 1024


def _capture_output(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


def forked_after_cuda() -> bool:
    """True in a child forked from a process that had initialised CUDA (torch marks it)."""
    is_in_bad_fork = getattr(torch.cuda, "_is_in_bad_fork", None)
    return bool(is_in_bad_fork()) if is_in_bad_fork is not None else False


def _lock_down(config: JailConfig) -> tuple[dict[str, bool], dict[str, str]]:
    report = lock_down(config.policy)
    layers = {name: active for name, (active, _) in report.items() if active is not None}
    notes = {name: note for name, (_, note) in report.items() if note}
    os.chdir(config.policy.workdir)
    sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != Path.cwd()]
    _seed(config.device)
    if config.device.startswith("cuda"):
        _prepare_cuda(config.device)
    return layers, notes


def _seed(device: str) -> None:
    """Seed 0 for the generators this run can use.

    On the CPU that is the CPU's generator alone, seeded directly: `torch.manual_seed` also
    queues a seed for each accelerator that has not started (none can in a CPU sandbox), and
    queuing formats the call's stack, reading each frame's source file: 3-7 ms of CPU a sandbox.
    """
    if device == "cpu":
        torch.default_generator.manual_seed(0)
    else:
        torch.manual_seed(0)


def _prepare_cuda(device: str) -> None:
    """Start CUDA before the first check (its start-up is not the student's time) and keep
    float32 matmuls exact (no TF32), so results agree with the CPU within the checks' tolerances."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.empty(1, device=device)


def _serve(conn: Connection, config: JailConfig, helpers: types.ModuleType | None = None) -> None:
    """Answer requests until the judge hangs up. The probes are loaded, and every callable the
    loop needs is bound here, before the first request can import student code."""
    namespace: dict[str, Any] = {"probes": _load_probes(config, helpers)}
    receive, send, handle, read = conn.recv_bytes, conn.send_bytes, _handle, Request.decode
    flush_out, flush_err = sys.stdout.flush, sys.stderr.flush
    while True:
        try:
            request = read(receive())
        except EOFError:
            return
        except RequestRefused as refused:  # an op it does not know is refused, never guessed
            send(refused.reply())
            continue
        frame = handle(request, namespace, config)
        flush_out()
        flush_err()
        send(frame)


def _handle(request: Request, namespace: dict[str, Any], config: JailConfig) -> bytes:
    """The encoded reply to one request. Encoding happens here, inside the handlers, because
    encoding a student's result can run the student's code (methods of subclasses)."""
    rid = request.id
    try:
        if request.op == "import":
            namespace["module"] = _import_submission(request.source, config)
            return Success(rid, None).encode()
        target = _resolve(request, namespace)
        args, kwargs = request.args, request.kwargs
        if request.op == "call":
            args, kwargs = _to_device((args, kwargs), config.device)
            value = target(*args, **kwargs)
        elif request.op == "probe":
            value = target(namespace["module"], config.device, *args, **kwargs)
        else:
            raise RequestRefused(rid, f"unknown op {request.op!r}")
        return Success(rid, value).encode()
    except RequestRefused as refused:
        return refused.reply()
    except Unencodable as exc:
        return _failure(rid, "invalid", f"returned {exc}").encode()
    except AttributeError as exc:
        if namespace.get("module") is not None and getattr(exc, "obj", None) is namespace["module"]:
            missing = f"{config.filename} does not define `{exc.name}`"
            return _failure(rid, "error", missing).encode()
        return _describe_exception(rid, exc, config.filename).encode()
    except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit too
        return _describe_exception(rid, exc, config.filename).encode()


def _import_submission(source: str, config: JailConfig) -> types.ModuleType:
    module = types.ModuleType(config.module_name)
    module.__file__ = config.filename
    sys.modules[config.module_name] = module
    code = compile(source, config.filename, "exec", dont_inherit=True)
    exec(code, module.__dict__)  # noqa: S102 - this is the sandbox: running student code is its job
    return module


def _load_probes(config: JailConfig, helpers: types.ModuleType | None = None) -> dict[str, Any]:
    """The exercise's probes by name, loaded before student code runs.

    The probes and the `grader.jail.probing` they import are private copies (never in
    sys.modules), with private builtins, so a submission that rebinds names in those modules
    or in `builtins` changes nothing the probes call. Each probe is taken into this table now;
    the table lives only in the request loop. `helpers`: the private copy of
    `grader.jail.probing` the zygote made (`preseal`), else one is made here. The code run is
    the judge's compilation of the file (`config.probes_code`), else the file compiled here.
    """
    if config.probes_path is None:
        return {}
    helpers = helpers if helpers is not None else probing.private_copy()
    path = Path(config.probes_path)
    module = types.ModuleType("grader_probes")
    module.__file__ = str(path)
    module.__dict__["__builtins__"] = probing.private_builtins(helpers)
    if config.probes_code:
        code = marshal.loads(config.probes_code)
    else:
        code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    exec(code, module.__dict__)  # noqa: S102
    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, types.FunctionType) and not name.startswith("_")
    }


def _resolve(request: Request, namespace: dict[str, Any]) -> Any:
    name = request.name
    if request.op != "call":
        if namespace.get("module") is None:
            raise RuntimeError("the submission was not imported")
        probe = namespace["probes"].get(name)
        if probe is None:
            raise _Missing(f"the exercise has no probe `{name}`")
        return probe
    owner = namespace.get("module")
    if owner is None:
        raise RuntimeError("the submission was not imported")
    target = getattr(owner, name, None)
    if request.op == "call" and target is None:
        raise _Missing(f"{_filename_of(owner)} does not define `{name}`")
    if not callable(target):
        raise _Missing(f"`{name}` is not a function (it is {type(target).__name__})")
    return target


class _Missing(Exception):
    """The submission lacks a function the exercise asks for."""


def _filename_of(module: Any) -> str:
    return str(getattr(module, "__file__", "the submission"))


def _to_device(value: Any, device: str) -> Any:
    if device == "cpu":
        return value
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, (list, tuple)):
        items = [_to_device(item, device) for item in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {key: _to_device(item, device) for key, item in value.items()}
    return value


def _describe_exception(rid: int | None, exc: BaseException, filename: str) -> Failure:
    if isinstance(exc, NotImplementedError):
        return _failure(rid, "not_attempted", str(exc) or "not implemented yet")
    if isinstance(exc, _Missing):
        return _failure(rid, "error", str(exc))
    if isinstance(exc, MemoryError) or _looks_like_oom(exc):
        return _failure(rid, "memory", f"{type(exc).__name__}: {exc}"[:500])
    if isinstance(exc, SystemExit):
        message = f"the code called exit({exc.code!r})"
        return _failure(rid, "error", message, _student_frames(exc, filename))
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        where = f"line {exc.lineno}: {(exc.text or '').strip()}"
        return _failure(rid, "error", f"SyntaxError: {exc.msg} ({where})")
    message = f"{type(exc).__name__}: {exc}"[:2000]
    return _failure(rid, "error", message, _student_frames(exc, filename))


def _looks_like_oom(exc: BaseException) -> bool:
    if isinstance(exc, getattr(torch.cuda, "OutOfMemoryError", ())):
        return True
    return isinstance(exc, RuntimeError) and any(m in str(exc).lower() for m in MEMORY_MARKERS)


def _student_frames(exc: BaseException, filename: str) -> str:
    """The traceback trimmed to the student's own file."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    lines = traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)[-4000:]


def _failure(rid: int | None, kind: FailureKind, message: str, trace: str = "") -> Failure:
    return Failure(rid, kind, message, trace)
