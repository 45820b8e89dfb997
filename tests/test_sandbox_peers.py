"""The judge's end of a sandbox against a hostile peer: forged replies, stalls, deaths.

`Sandbox` decides every verdict that does not come from a check: what a reply's kind earns,
when a wait ends, what a dead process means. Here the process at the other end of its
connection is a real forked process that speaks the wire protocol the way a compromised
sandbox could: it forges a failure of every kind (and kinds the sandbox never sends), replies to
the wrong request, sends bytes that are not plain data or announces a frame larger than allowed,
stops answering, stops reading, exits or is killed by a signal. The handle is put together as
`Sandbox.launch` puts it (a run folder, one end of a Pipe, the process), without the zygote and
the jail: those are what tests/test_sandbox.py exercises, at seconds a test. Cheap enough for
every mutant of grader/judge/sandbox.py (benchmarks/mutation.sh).
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import types
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from grader.judge import sandbox as sandbox_module
from grader.judge.sandbox import (
    DISABLE_LAYERS_ENV,
    ONE_THREAD_ENV,
    PRELOAD,
    RUN_DIR_PREFIX,
    SAFE_ENV_KEYS,
    Engine,
    EngineError,
    Sandbox,
    SandboxOutcome,
    clean_child_environment,
    main_module_hidden,
)
from grader.outputs.models import Limits
from grader.wire.messages import FAILURE_KINDS, Failure, NotReady, Ready, Request, Success
from grader.wire.protocol import MAX_FRAME_BYTES, encode

LIMITS = Limits(import_s=30, call_s=30, total_s=60, cpu_s=7, memory_mb=2048, file_mb=1)
ENGINE = Engine("forkserver", disabled_layers=["cgroups"])  # never started here
FORK = multiprocessing.get_context("fork")
Peer = Callable[[Connection], None]


def requests(conn: Connection) -> Request:
    return Request.decode(conn.recv_bytes())


def answering(*replies: Callable[[Request], bytes | None]) -> Peer:
    """A peer that says it is ready, then answers each request with the next reply (None:
    never answers that one; it sleeps until killed)."""

    def serve(conn: Connection) -> None:
        conn.send_bytes(
            Ready({"seccomp": True}, {"seccomp": "12 calls denied"}, os.getpid()).encode()
        )
        for reply in replies:
            request = requests(conn)
            data = reply(request)
            if data is None:
                time.sleep(600)
            conn.send_bytes(data)
        time.sleep(600)

    return serve


def _run(peer: Peer, conn: Connection) -> None:
    try:
        peer(conn)
    finally:
        os._exit(0)


def start(peer: Peer, tmp_path: Path, device: str = "cpu") -> Sandbox:
    """A Sandbox whose process is `peer`, put together as `launch` does."""
    box = Sandbox(ENGINE, LIMITS, device, "student.py", "student")
    box.run_dir = Path(tempfile.mkdtemp(prefix="peer-", dir=tmp_path))
    (box.run_dir / "work").mkdir()
    box.open_capture()
    box.conn, child = FORK.Pipe(duplex=True)
    box.proc = FORK.Process(target=_run, args=(peer, child), daemon=False)
    box.proc.start()
    child.close()
    box.alive = True
    return box


def ready(peer: Peer, tmp_path: Path) -> Sandbox:
    return start(peer, tmp_path).wait_ready()


def outcome(box: Sandbox, timeout: float = 10.0, what: str = "calling f()") -> SandboxOutcome:
    with pytest.raises(SandboxOutcome) as caught:
        box.request("call", timeout, what, name="f", args=(), kwargs={})
    return caught.value


def gone(box: Sandbox) -> bool:
    """The peer was killed (SIGKILL) and the handle knows it."""
    return box.alive is False and box.proc.exitcode == -signal.SIGKILL


# ---- replies -------------------------------------------------------------------------------


def test_a_successful_reply_is_the_value(tmp_path: Path) -> None:
    box = ready(
        answering(
            lambda r: Success(r.id, {"x": [1.5, 2]}).encode(),
            lambda r: Success(r.id, r.id).encode(),
        ),
        tmp_path,
    )
    try:
        assert box.request("call", 10, "calling f()", name="f", args=(1,), kwargs={}) == {
            "x": [1.5, 2]
        }
        # each request has its own id, and the reply must carry it
        assert box.request("call", 10, "calling f()", name="f", args=(), kwargs={}) == 1
        assert box.alive
    finally:
        box.close()


@pytest.mark.parametrize("kind", sorted(FAILURE_KINDS))
def test_a_failure_reply_is_its_kind_with_its_message_and_trace(tmp_path: Path, kind: str) -> None:
    reply = Failure(0, kind, f"it went {kind}", "Traceback: line 3")  # type: ignore[arg-type]
    box = ready(answering(lambda r: reply.encode()), tmp_path)
    try:
        found = outcome(box)
        assert (found.verdict, found.message, found.trace) == (
            kind,
            f"it went {kind}",
            "Traceback: line 3",
        )
        assert box.alive  # the student's exception ends nothing
    finally:
        box.close()


FORGED_KINDS = ["passed", "timeout", "crashed", "failed", "PASSED", ""]


@pytest.mark.parametrize("kind", FORGED_KINDS)
def test_a_failure_of_a_kind_the_sandbox_never_sends_is_invalid(tmp_path: Path, kind: str) -> None:
    forged = encode({"id": 0, "ok": False, "kind": kind, "message": "trust me", "traceback": ""})
    box = ready(answering(lambda r: forged), tmp_path)
    try:
        found = outcome(box)
        assert (found.verdict, found.message) == (
            "invalid",
            "the sandbox's reply to calling f() was malformed",
        )
        assert gone(box)
    finally:
        box.close()


@pytest.mark.parametrize(
    "reply",
    [
        lambda r: Success(r.id + 1, 7).encode(),  # another request's answer
        lambda r: encode({"id": r.id, "ok": "yes", "value": 7}),
        lambda r: encode([r.id, True, 7]),
        lambda r: encode({"id": float(r.id), "ok": True, "value": 7}),
    ],
    ids=["wrong id", "ok not a bool", "not a dict", "float id"],
)
def test_a_reply_that_is_not_an_answer_to_this_request_is_invalid(
    tmp_path: Path, reply: Callable[[Request], bytes]
) -> None:
    box = ready(answering(reply), tmp_path)
    try:
        found = outcome(box, what="calling g()")
        assert found.verdict == "invalid"
        assert found.message == "the sandbox's reply to calling g() was malformed"
        assert gone(box)
    finally:
        box.close()


def test_bytes_that_are_not_plain_data_are_invalid(tmp_path: Path) -> None:
    box = ready(answering(lambda r: b"\x80\x04not json at all"), tmp_path)
    try:
        found = outcome(box)
        assert found.verdict == "invalid"
        assert found.message.startswith("the reply to calling f() was not valid plain data: ")
        assert gone(box)
    finally:
        box.close()


def test_a_frame_larger_than_allowed_is_invalid_and_never_read(tmp_path: Path) -> None:
    def huge(conn: Connection) -> None:
        conn.send_bytes(Ready({}, {}, os.getpid()).encode())
        requests(conn)
        os.write(conn.fileno(), (MAX_FRAME_BYTES + 1).to_bytes(4, "big"))  # and no body
        time.sleep(600)

    box = ready(huge, tmp_path)
    try:
        found = outcome(box)
        assert (found.verdict, found.message) == (
            "invalid",
            "the reply to calling f() was larger than allowed",
        )
        assert gone(box)
    finally:
        box.close()


# ---- deadlines -----------------------------------------------------------------------------


def test_a_reply_that_never_comes_is_stopped_at_the_requests_own_timeout(tmp_path: Path) -> None:
    box = ready(answering(lambda r: None), tmp_path)
    try:
        started = time.monotonic()
        found = outcome(box, timeout=0.5)  # the limits' call_s is 30 s
        elapsed = time.monotonic() - started
        assert found.verdict == "timeout"
        assert found.message == "calling f() took longer than 0.5 s and was stopped"
        assert 0.45 < elapsed < 5 and gone(box)
    finally:
        box.close()


def test_a_slow_reply_within_its_timeout_is_served(tmp_path: Path) -> None:
    def slow(r: Request) -> bytes:
        time.sleep(0.6)
        return Success(r.id, "late but in time").encode()

    box = ready(answering(slow), tmp_path)
    try:
        started = time.monotonic()
        value = box.request("call", 5.0, "calling f()", name="f", args=(), kwargs={})
        assert value == "late but in time" and time.monotonic() - started >= 0.6
    finally:
        box.close()


def test_the_timeout_covers_sending_and_receiving_together(tmp_path: Path) -> None:
    def slow_reader(conn: Connection) -> None:
        conn.send_bytes(Ready({}, {}, os.getpid()).encode())
        time.sleep(0.8)  # reads the request late, then never answers
        conn.recv_bytes()
        time.sleep(600)

    box = ready(slow_reader, tmp_path)
    try:
        started = time.monotonic()
        found = box_outcome_with_source(box, "x" * (2 << 20), timeout=1.5)
        elapsed = time.monotonic() - started
        assert found.verdict == "timeout" and elapsed < 5
        assert found.message.startswith("importing took longer than 0.")  # what was left of 1.5
        assert gone(box)
    finally:
        box.close()


def box_outcome_with_source(box: Sandbox, source: str, timeout: float) -> SandboxOutcome:
    with pytest.raises(SandboxOutcome) as caught:
        box.request("import", timeout, "importing", source=source)
    return caught.value


def test_a_sandbox_that_stops_reading_is_a_timeout(tmp_path: Path) -> None:
    def deaf(conn: Connection) -> None:
        conn.send_bytes(Ready({}, {}, os.getpid()).encode())
        time.sleep(600)

    box = ready(deaf, tmp_path)
    try:
        started = time.monotonic()
        found = box_outcome_with_source(box, "x" * (4 << 20), timeout=0.7)
        assert (found.verdict, found.message) == (
            "timeout",
            "importing: the sandbox stopped reading its requests",
        )
        assert time.monotonic() - started < 5 and gone(box)
    finally:
        box.close()


# ---- deaths --------------------------------------------------------------------------------


def dying(how: Callable[[], None]) -> Peer:
    def serve(conn: Connection) -> None:
        conn.send_bytes(Ready({}, {}, os.getpid()).encode())
        requests(conn)
        how()

    return serve


def test_a_process_that_exits_mid_call_is_crashed_with_its_code(tmp_path: Path) -> None:
    box = ready(dying(lambda: os._exit(3)), tmp_path)
    try:
        found = outcome(box)
        assert (found.verdict, found.message) == (
            "crashed",
            "the process exited (code 3) during calling f()",
        )
        assert box.alive is False
        again = outcome(box)
        assert (again.verdict, again.message) == ("crashed", "the sandbox is no longer running")
    finally:
        box.close()


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGABRT, signal.SIGTERM])
def test_a_process_killed_by_a_signal_is_crashed_and_names_it(
    tmp_path: Path, sig: signal.Signals
) -> None:
    def die() -> None:
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        time.sleep(60)

    box = ready(dying(die), tmp_path)
    try:
        found = outcome(box)
        assert (found.verdict, found.message) == (
            "crashed",
            f"the process was killed by {sig.name} during calling f()",
        )
    finally:
        box.close()


def test_a_process_out_of_cpu_time_is_a_timeout(tmp_path: Path) -> None:
    def die() -> None:
        signal.signal(signal.SIGXCPU, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGXCPU)
        time.sleep(60)

    box = ready(dying(die), tmp_path)
    try:
        found = outcome(box)
        assert (found.verdict, found.message) == (
            "timeout",
            "calling f() used up its CPU time (7 s)",
        )
    finally:
        box.close()


def test_a_process_that_closes_its_end_is_crashed(tmp_path: Path) -> None:
    def close_and_linger() -> None:
        time.sleep(0.2)
        os._exit(0)

    box = ready(dying(close_and_linger), tmp_path)
    try:
        found = outcome(box)
        assert (found.verdict, found.message) == (
            "crashed",
            "the process exited (code 0) during calling f()",
        )
    finally:
        box.close()


def test_a_dead_process_before_the_request_is_crashed(tmp_path: Path) -> None:
    def leave(conn: Connection) -> None:
        conn.send_bytes(Ready({}, {}, os.getpid()).encode())
        conn.close()
        os._exit(5)

    box = ready(leave, tmp_path)
    box.proc.join(10)
    try:
        found = outcome(box)
        assert found.verdict == "crashed" and "(code 5)" in found.message
    finally:
        box.close()


# ---- starting ------------------------------------------------------------------------------


def test_a_ready_message_gives_the_layers_and_notes(tmp_path: Path) -> None:
    box = ready(answering(), tmp_path)
    try:
        assert box.layers == {"seccomp": True} and box.notes == {"seccomp": "12 calls denied"}
    finally:
        box.close()


def test_a_sandbox_slower_to_start_than_import_s_is_still_waited_for(tmp_path: Path) -> None:
    """Starting runs no student code: the wait is the engine's (STARTUP_S), not import_s."""

    def slow(conn: Connection) -> None:
        time.sleep(1.0)
        conn.send_bytes(Ready({"seccomp": True}, {}, os.getpid()).encode())
        time.sleep(600)

    box = start(slow, tmp_path)
    box.limits = LIMITS.model_copy(update={"import_s": 0.3})
    try:
        assert box.wait_ready() is box and box.layers == {"seccomp": True}
    finally:
        box.close()


def test_a_cgroup_the_judge_could_not_make_is_a_missing_layer(tmp_path: Path) -> None:
    box = start(answering(), tmp_path)
    box._cgroup_error = "the judge could not make a cgroup: denied"
    try:
        box.wait_ready()
        assert box.layers == {"seccomp": True, "cgroups": False}
        assert box.notes["cgroups"] == "the judge could not make a cgroup: denied"
    finally:
        box.close()


def test_a_sandbox_that_cannot_lock_down_is_an_engine_error(tmp_path: Path) -> None:
    def refuse(conn: Connection) -> None:
        conn.send_bytes(NotReady("landlock: not supported").encode())
        time.sleep(600)

    box = start(refuse, tmp_path)
    with pytest.raises(EngineError, match="^landlock: not supported$"):
        box.wait_ready()
    assert gone(box) and not box.run_dir.exists()


@pytest.mark.parametrize(
    "first",
    [encode({"layers": {}}), encode({"ready": True, "layers": {"x": 1}, "notes": {}, "pid": 1})],
    ids=["no ready", "layer not a bool"],
)
def test_a_malformed_ready_message_is_an_engine_error(tmp_path: Path, first: bytes) -> None:
    def odd(conn: Connection) -> None:
        conn.send_bytes(first)
        time.sleep(600)

    box = start(odd, tmp_path)
    with pytest.raises(EngineError, match="^the sandbox's ready message was malformed: "):
        box.wait_ready()
    assert gone(box) and not box.run_dir.exists()


def test_a_sandbox_that_dies_while_starting_is_crashed(tmp_path: Path) -> None:
    box = start(lambda conn: os._exit(4), tmp_path)
    with pytest.raises(SandboxOutcome) as caught:
        box.wait_ready()
    assert caught.value.verdict == "crashed"
    assert caught.value.message == "the process exited (code 4) during starting the sandbox"
    box.close()


# ---- killing, output, closing -----------------------------------------------------------------


def test_kill_takes_the_whole_process_group(tmp_path: Path) -> None:
    def family(conn: Connection) -> None:
        os.setpgid(0, 0)  # the sandbox leads its group, as after its session layer
        child = os.fork()
        if child == 0:
            time.sleep(600)
            os._exit(0)
        conn.send_bytes(Ready({}, {"child": str(child)}, os.getpid()).encode())
        time.sleep(600)

    box = ready(family, tmp_path)
    child = int(box.notes["child"])
    box.kill()
    assert gone(box)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and alive_pid(child):
        time.sleep(0.02)
    assert not alive_pid(child)  # the grandchild went with its group
    box.kill()  # twice is safe
    box.close()


def alive_pid(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_a_gpu_sandbox_waits_until_its_group_is_gone(tmp_path: Path) -> None:
    def family(conn: Connection) -> None:
        os.setpgid(0, 0)
        child = os.fork()
        if child == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(600)
            os._exit(0)
        conn.send_bytes(Ready({}, {"child": str(child)}, os.getpid()).encode())
        time.sleep(600)

    box = start(family, tmp_path, device="cuda:0").wait_ready()
    child = int(box.notes["child"])
    box.kill()
    assert not alive_pid(child)  # at once: kill() waited for the group, not only its leader
    box.close()
    assert sandbox_module._live_members(os.getpgid(0)) is True  # this test's own group lives


def test_output_is_read_from_the_run_folder_and_capped(tmp_path: Path) -> None:
    box = ready(answering(), tmp_path)
    try:
        assert box.output(100) == ""  # nothing printed yet
        (box.run_dir / "output.txt").write_bytes(b"hello\nw\xc3\xb6rld\xff")
        assert box.output(100) == "hello\nw\u00f6rld\ufffd"
        assert box.output(14) == "hello\nw\u00f6rld\ufffd"  # exactly the limit: all of it
        assert box.output(5) == "hello\n[... output truncated]"
    finally:
        box.close()


def test_close_kills_and_removes_the_run_folder(tmp_path: Path) -> None:
    box = ready(answering(), tmp_path)
    run_dir = box.run_dir
    standard = [os.fstat(fd).st_ino for fd in (0, 1, 2)]
    box.close()
    assert gone(box) and not run_dir.exists() and box.conn.closed
    assert box.output(100) == ""  # its read descriptor on the capture file is closed
    box.close()  # twice is safe
    assert [os.fstat(fd).st_ino for fd in (0, 1, 2)] == standard  # and closed nothing else


def test_leaving_the_context_closes(tmp_path: Path) -> None:
    box = ready(answering(), tmp_path)
    assert box.alive
    box.__exit__(None, None, None)  # what `with Sandbox(...)` does on the way out
    assert gone(box) and not box.run_dir.exists()


def test_sandboxes_of_the_same_setup_are_told_apart_from_others(tmp_path: Path) -> None:
    base = Sandbox(ENGINE, LIMITS, "cpu", "student.py", "student", tmp_path / "probes.py")
    same = Sandbox(ENGINE, LIMITS, "cpu", "student.py", "student", tmp_path / "probes.py")
    assert base.same_setup(same)
    probes = tmp_path / "probes.py"
    other_engine = Engine("forkserver", disabled_layers=["cgroups"])
    others = [
        Sandbox(other_engine, LIMITS, "cpu", "student.py", "student", probes),
        Sandbox(
            ENGINE,
            LIMITS.model_copy(update={"call_s": 1.0}),
            "cpu",
            "student.py",
            "student",
            probes,
        ),
        Sandbox(ENGINE, LIMITS, "cuda", "student.py", "student", probes),
        Sandbox(ENGINE, LIMITS, "cpu", "other.py", "student", probes),
        Sandbox(ENGINE, LIMITS, "cpu", "student.py", "other", probes),
        Sandbox(ENGINE, LIMITS, "cpu", "student.py", "student", None),
    ]
    assert [base.same_setup(other) for other in others] == [False] * 6


# ---- outcomes, the engine, the child's environment ------------------------------------------


def test_feedback_is_the_message_then_the_trace_without_repeating_it() -> None:
    trace = 'Traceback:\n  File "student.py", line 2\nValueError: bad'
    assert SandboxOutcome("error", "ValueError: bad", trace).feedback() == (
        'ValueError: bad\nTraceback:\n  File "student.py", line 2'
    )
    assert SandboxOutcome("error", "other", "trace\n").feedback() == "other\ntrace"
    assert SandboxOutcome("timeout", "slow").feedback() == "slow"
    found = SandboxOutcome("memory", "m", "t")
    assert (found.verdict, found.message, found.trace, str(found)) == ("memory", "m", "t", "m")


def test_the_engine_reads_disabled_layers_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DISABLE_LAYERS_ENV, " seccomp, ,landlock,seccomp")
    engine = Engine("forkserver")
    assert engine.disabled_layers == ("landlock", "seccomp") and engine.mode == "forkserver"
    assert Engine("forkserver", disabled_layers=[]).disabled_layers == ()
    monkeypatch.setenv(DISABLE_LAYERS_ENV, "seccomp,warp_drive,cloaking")
    with pytest.raises(EngineError, match=f"^{DISABLE_LAYERS_ENV}: no such isolation layer: "
                       "cloaking, warp_drive$"):  # fmt: skip
        Engine("forkserver")
    assert Engine("spawn", disabled_layers=["cgroups"]).cgroups is None
    assert Engine("spawn", disabled_layers=["cgroups"]).mode == "spawn"


def test_without_forkserver_the_engine_spawns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    engine = Engine("forkserver", disabled_layers=[])
    assert engine.mode == "spawn" and engine.context.get_start_method() == "spawn"


def test_child_interpreters_start_with_a_clean_environment_from_the_root(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRADE_SECRET", "hunter2")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("OMP_NUM_THREADS", "16")
    saved = dict(os.environ)
    with clean_child_environment():
        inside = dict(os.environ)
        assert os.getcwd() == "/"
    assert "GRADE_SECRET" not in inside and inside["LANG"] == "C.UTF-8"
    assert set(inside) <= set(SAFE_ENV_KEYS) | set(ONE_THREAD_ENV) | {"PYTHONDONTWRITEBYTECODE"}
    assert {k: inside[k] for k in ONE_THREAD_ENV} == ONE_THREAD_ENV
    assert ONE_THREAD_ENV == {
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    assert inside["PYTHONDONTWRITEBYTECODE"] == "1"
    assert dict(os.environ) == saved and os.getcwd() == str(tmp_path)  # restored


def test_the_environment_is_restored_after_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRADE_SECRET", "hunter2")
    with pytest.raises(RuntimeError), clean_child_environment():
        raise RuntimeError
    assert os.environ["GRADE_SECRET"] == "hunter2" and os.getcwd() == str(tmp_path)


def test_the_judges_main_module_is_hidden_from_children() -> None:
    saved = sys.modules["__main__"]
    with main_module_hidden():
        hidden = sys.modules["__main__"]
        assert isinstance(hidden, types.ModuleType) and hidden is not saved
        assert not hasattr(hidden, "__file__")
    assert sys.modules["__main__"] is saved
    with pytest.raises(KeyError), main_module_hidden():
        raise KeyError
    assert sys.modules["__main__"] is saved


def test_run_folders_are_named_after_the_pid_namespace() -> None:
    namespace = os.stat("/proc/self/ns/pid").st_ino
    assert sandbox_module._run_dir_owner() == f"{RUN_DIR_PREFIX}{namespace}"
    assert RUN_DIR_PREFIX == "grade-run-"


# ---- the engine's settings, written out ------------------------------------------------------


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package that does not exist
        return False


def test_the_zygote_preloads_real_modules_with_the_jail_first_and_its_preparation_last() -> None:
    # the forkserver skips a preload that does not import without a word, so a misspelled
    # name would only make every sandbox import it again (or a student plant grader.jail.probing)
    assert all(_importable(name) for name in PRELOAD), PRELOAD
    assert {"torch", "grader.jail.probing", "grader.jail.serve"} <= set(PRELOAD)
    assert {"torch._dynamo", "torch.fx.experimental.symbolic_shapes"} <= set(PRELOAD)
    assert {"torch.optim", "torch.utils.data", "numpy"} <= set(PRELOAD)
    assert PRELOAD[-1] == "grader.jail.prepare_zygote" and len(set(PRELOAD)) == len(PRELOAD) == 9
    engine = Engine("forkserver", disabled_layers=["cgroups"])
    assert engine.preload == PRELOAD and engine.preload is not PRELOAD  # a copy
    assert Engine("forkserver", ["numpy"], ["cgroups"]).preload == ["numpy"]


def test_the_default_engine_forks_from_a_zygote_with_every_layer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GRADE_DISABLE_LAYERS", raising=False)
    engine = Engine()
    assert (engine.mode, engine.disabled_layers) == ("forkserver", ())
    assert engine.context.get_start_method() == "forkserver"
    # the variable's name is what the README and the doctor tell staff to set
    assert DISABLE_LAYERS_ENV == "GRADE_DISABLE_LAYERS"
    monkeypatch.setenv("GRADE_DISABLE_LAYERS", "seccomp")
    assert Engine().disabled_layers == ("seccomp",)


def test_the_child_environment_keeps_exactly_the_safe_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = {"PATH": "/usr/bin", "PYTHONPATH": "/src", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    kept["SYSTEMROOT"] = "C:\\Windows"
    for key, value in kept.items():
        monkeypatch.setenv(key, value)
    for key in ("HOME", "LC_CTYPE", "PYTHONSTARTUP", "GRADE_DB", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "dropped")
    with clean_child_environment():
        inside = dict(os.environ)
    assert inside == {**kept, **ONE_THREAD_ENV, "PYTHONDONTWRITEBYTECODE": "1"}


def test_the_judges_main_module_is_replaced_by_an_empty_main() -> None:
    with main_module_hidden():
        hidden = sys.modules["__main__"]
        assert hidden.__name__ == "__main__" and hidden.__spec__ is None


def test_a_temporary_folder_is_refused_one_byte_past_the_sockets_room() -> None:
    room = 107 - len("/pymp-XXXXXXXX/listener-XXXXXXXX")  # 75 bytes for TMPDIR itself
    sandbox_module._check_socket_folder("/" + "t" * (room - 1))  # exactly the room: served
    with pytest.raises(EngineError) as caught:
        sandbox_module._check_socket_folder("/" + "t" * (room - 2) + "\u00e9")  # 76 bytes
    assert str(caught.value) == (
        f"the temporary folder's path is {room + 1} bytes, too long for the zygote's socket "
        f"(at most {room}): set TMPDIR to a shorter folder, such as /tmp"
    )


def test_starting_an_engine_removes_stale_run_folders_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    owner = sandbox_module._run_dir_owner()
    gone = os.fork()
    if gone == 0:
        os._exit(0)
    os.waitpid(gone, 0)
    first = tmp_path / f"{owner}-{gone}-first"
    first.mkdir()
    engine = Engine("spawn", disabled_layers=["cgroups"])  # no zygote to start
    engine.start()
    assert not first.exists()
    later = tmp_path / f"{owner}-{gone}-later"
    later.mkdir()
    engine.start()  # started already: nothing is done again
    assert later.exists()


def test_a_forkserver_engine_checks_its_socket_folder_before_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long = tmp_path / ("t" * 80)
    long.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    with pytest.raises(EngineError, match="set TMPDIR to a shorter folder"):
        Engine("forkserver", disabled_layers=["cgroups"]).start()


STOP_ZYGOTE = """
import os
from multiprocessing import forkserver, resource_tracker

from grader.judge import sandbox


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


server, tracker = forkserver._forkserver, resource_tracker._resource_tracker
server.set_forkserver_preload([])  # a bare zygote: a fraction of a second
server.ensure_running()
resource_tracker.ensure_running()
pids = (server._forkserver_pid, tracker._pid)
assert all(pid is not None and alive(pid) for pid in pids), pids
sandbox.stop_zygote()
assert not any(alive(pid) for pid in pids), "still running when stop_zygote returned"
assert (server._forkserver_pid, tracker._pid) == (None, None)
sandbox.stop_zygote()  # nothing runs: nothing to do
print("stopped")
"""


def test_stop_zygote_stops_the_zygote_and_the_resource_tracker_and_waits() -> None:
    """In a fresh interpreter: this test process may hold a zygote that other tests use."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", STOP_ZYGOTE], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "stopped\n", "")


def test_an_engine_uses_the_machines_cgroups_unless_they_are_disabled() -> None:
    from grader.judge.cgroups import machine_hierarchy

    found = machine_hierarchy()  # None on a machine without them: then both are None
    assert Engine("spawn", disabled_layers=[]).cgroups == found
    assert Engine("spawn", disabled_layers=["cgroups"]).cgroups is None
