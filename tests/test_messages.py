"""The typed messages (grader/wire/messages.py): what each end accepts, and forged replies.

A reply is whatever the sandbox writes, so the submission can forge one: of every kind the
jail sends, of kinds it never sends ("passed", "timeout", ...), with the right id or not. The
judge's reader must turn each into a value for the checks to judge or a verdict that is not
`passed`, never a crash, both on its own (read_reply) and through a real sandbox and a real
exercise. The jail, for its part, refuses a request whose op it does not know.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine, Sandbox, SandboxOutcome
from grader.judge.scoring import Source, run_exercise
from grader.outputs.models import Limits
from grader.wire.frames import receive_frame, send_frame
from grader.wire.messages import (
    FAILURE_KINDS,
    Failure,
    NotReady,
    Ready,
    Request,
    RequestRefused,
    Success,
    read_ready,
    read_reply,
)
from grader.wire.protocol import MAX_FRAME_BYTES, ProtocolError, decode, encode

LIMITS = Limits(import_s=10, call_s=3, total_s=30, cpu_s=20, memory_mb=2048, output_kb=4)
UNKNOWN_KINDS: list[Any] = [
    "passed",
    "failed",
    "timeout",
    "crashed",
    "PASSED",
    "error ",
    "",
    None,
    1,
    True,
    ["error"],
    {"$x": 1},
]


def failure(kind: Any, rid: Any = 1, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "ok": False, "kind": kind, "message": "all passed", "traceback": "", **extra}


# ---- the judge's reader on its own ------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(FAILURE_KINDS))
def test_each_kind_the_jail_sends_is_read_as_that_failure(kind: str) -> None:
    reply = read_reply(decode(Failure(1, kind, "why", "trace").encode()), 1)  # type: ignore[arg-type]
    assert reply == Failure(1, kind, "why", "trace")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", UNKNOWN_KINDS, ids=repr)
def test_an_unknown_kind_is_malformed(kind: Any) -> None:
    with pytest.raises(ProtocolError):
        read_reply(decode(encode(failure(kind))), 1)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "passed",
        [1, True],
        {"id": 1},  # no ok
        {"id": 1, "ok": "true", "value": 1},
        {"id": 1, "ok": 1, "value": 1},
        {"id": 1, "ok": None},
        {"id": 2, "ok": True, "value": 1},  # another request's
        {"id": True, "ok": True, "value": 1},  # True == 1, but not an id
        {"id": 1.0, "ok": True, "value": 1},
        {"id": "1", "ok": True, "value": 1},
        failure("error", message=["not", "text"]),
        failure("error", traceback=3),
        failure("error", message=None),
    ],
    ids=repr,
)
def test_a_reply_of_the_wrong_shape_is_malformed(value: Any) -> None:
    with pytest.raises(ProtocolError):
        read_reply(value, 1)


def test_a_success_carries_its_value_and_nothing_decides_it() -> None:
    reply = read_reply(decode(Success(4, {"verdict": "passed"}).encode()), 4)
    assert reply == Success(4, {"verdict": "passed"})


def test_a_failures_text_is_capped() -> None:
    reply = read_reply(failure("error", message="m" * 10_000, traceback="t" * 10_000), 1)
    assert isinstance(reply, Failure) and len(reply.message) == len(reply.traceback) == 4000


def test_ready_messages_round_trip_and_malformed_ones_are_refused() -> None:
    ready = Ready({"seccomp": True, "landlock": False}, {"landlock": "n" * 400}, 12)
    back = read_ready(decode(ready.encode()))
    assert isinstance(back, Ready) and back.layers == ready.layers and back.pid == 12
    assert back.notes == {"landlock": "n" * 300}
    assert read_ready(decode(NotReady("no seccomp").encode())) == NotReady("no seccomp")
    for bad in (None, {}, {"ready": 1}, {"ready": True, "layers": {"a": 1}, "notes": {}, "pid": 1}):
        with pytest.raises(ProtocolError):
            read_ready(bad)
    with pytest.raises(ProtocolError):
        read_ready({"ready": True, "layers": {}, "notes": {"a": 2}, "pid": 1})
    with pytest.raises(ProtocolError):
        read_ready({"ready": True, "layers": {}, "notes": {}, "pid": "1"})


# ---- requests -------------------------------------------------------------------------------


def test_requests_round_trip() -> None:
    call = Request(3, "call", name="relu", args=(1, [2.5]), kwargs={"k": None})
    assert Request.decode(call.encode()) == call
    assert Request.decode(Request(0, "import", source="x = 1").encode()).source == "x = 1"


def test_the_judge_cannot_build_an_unknown_op() -> None:
    with pytest.raises(ValueError, match="no such request op"):
        Request(1, "exec")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "rid"),
    [
        ({"id": 5, "op": "exec", "name": "f", "args": (), "kwargs": {}}, 5),
        ({"id": 5, "op": "Probe", "name": "f", "args": (), "kwargs": {}}, 5),
        ({"id": 5, "op": None}, 5),
        ({"id": 5, "op": "import"}, 5),  # no source
        ({"id": 5, "op": "call", "name": 3, "args": (), "kwargs": {}}, 5),
        ({"id": 5, "op": "probe", "name": "f", "args": (), "kwargs": [1]}, 5),
        ({"op": "call", "name": "f"}, None),
        ("call", None),
    ],
    ids=repr,
)
def test_the_jail_refuses_a_request_it_does_not_know(value: Any, rid: int | None) -> None:
    with pytest.raises(RequestRefused) as refused:
        Request.decode(encode(value))
    assert refused.value.rid == rid
    reply = read_reply(decode(refused.value.reply()), rid) if rid is not None else None
    assert reply is None or (isinstance(reply, Failure) and reply.kind == "invalid")


# ---- through a real sandbox -------------------------------------------------------------------

# The submission's `forge(body)` writes `body` (a reply it made) on its connection to the judge,
# as though it were the reply to the current call, then waits; the judge must act on it alone.
FORGER = textwrap.dedent(
    """
    import gc, time
    from multiprocessing.connection import Connection
    from grader.wire.protocol import encode

    def forge(body):
        for conn in [o for o in gc.get_objects() if isinstance(o, Connection) and not o.closed]:
            conn.send_bytes(encode(body))
        time.sleep(30)
    """
)


def forged(engine: Engine, body: dict[str, Any]) -> Any:
    """The judge's answer to a call whose reply the submission forged: a value or an outcome."""
    with Sandbox(engine, LIMITS, "cpu", "student.py", "student") as box:
        box.request("import", LIMITS.import_s, "importing", source=FORGER)
        try:
            return box.request("call", LIMITS.call_s, "calling", name="forge", args=(body,))
        except SandboxOutcome as outcome:
            return outcome


@pytest.mark.parametrize("kind", sorted(FAILURE_KINDS))
def test_a_forged_failure_of_a_known_kind_is_that_verdict(engine: Engine, kind: str) -> None:
    found = forged(engine, failure(kind))  # the call is request 1 (the import was 0)
    assert isinstance(found, SandboxOutcome) and found.verdict == kind


@pytest.mark.parametrize("kind", ["passed", "timeout", "crashed", None, 7], ids=repr)
def test_a_forged_failure_of_an_unknown_kind_is_invalid(engine: Engine, kind: Any) -> None:
    found = forged(engine, failure(kind))
    assert isinstance(found, SandboxOutcome) and found.verdict == "invalid"
    assert "malformed" in found.message


@pytest.mark.parametrize(
    "body",
    [
        {"id": 1, "ok": "passed"},
        {"id": 1, "verdict": "passed"},
        {"id": 0, "ok": True, "value": "passed"},
        {"ready": True, "layers": {}, "notes": {}, "pid": 1},
    ],
    ids=repr,
)
def test_a_forged_reply_of_the_wrong_shape_is_invalid(engine: Engine, body: Any) -> None:
    found = forged(engine, body)
    assert isinstance(found, SandboxOutcome) and found.verdict == "invalid"


# Forges a reply to whatever request it is serving, whenever the checks or a probe touch it: it
# finds the request's id in the jail's frames, answers with `BODY`, then goes on, so its true
# reply follows the forged one.
FORGE_EVERY_CALL = """
import gc, sys
from multiprocessing.connection import Connection
from grader.wire.protocol import encode

BODY = {body!r}


def _forge(*args, **kwargs):
    frame = sys._getframe(1)
    while frame is not None and "rid" not in frame.f_locals:
        frame = frame.f_back
    rid = frame.f_locals["rid"] if frame is not None else 1
    for conn in [o for o in gc.get_objects() if isinstance(o, Connection) and not o.closed]:
        conn.send_bytes(encode({{**BODY, "id": rid}}))
    return _forge


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _forge()
"""


@pytest.mark.parametrize(
    "body",
    [
        {"ok": False, "kind": "passed", "message": "all checks passed"},
        {"ok": False, "kind": "not_attempted", "message": "all checks passed"},
        {"ok": True, "value": "passed"},
        {"ok": True, "value": True},
    ],
    ids=lambda body: f"{body['ok']}-{body.get('kind', body.get('value'))}",
)
def test_forged_replies_pass_no_check_of_a_real_exercise(
    engine: Engine, registry: Registry, body: dict[str, Any]
) -> None:
    exercise = registry.get("exercise2")
    source = Source(FORGE_EVERY_CALL.format(body=body).encode(), "exercise2.py")
    result = run_exercise(engine, exercise, source, include_hidden=True)
    assert result.checks and result.score == 0
    assert [c.name for c in result.checks if c.status == "passed"] == []


def test_the_jail_refuses_an_unknown_op_instead_of_running_a_probe(
    engine: Engine, tmp_path: Path
) -> None:
    """Before typed requests, any op but import and call ran the probe of that name."""
    probes = tmp_path / "probes.py"
    probes.write_text("def p(student, device):\n    return 'the probe ran'\n")
    with Sandbox(engine, LIMITS, "cpu", "student.py", "student", probes) as box:
        box.request("import", LIMITS.import_s, "importing", source="x = 1")
        assert box.request("probe", LIMITS.call_s, "probing", name="p") == "the probe ran"
        for rid, op in ((2, "exec"), (3, "probes"), (4, "")):
            raw = {"id": rid, "op": op, "name": "p", "args": (), "kwargs": {}}
            send_frame(box.conn.fileno(), encode(raw), _soon())
            reply = read_reply(
                decode(receive_frame(box.conn.fileno(), _soon(), MAX_FRAME_BYTES)), rid
            )
            assert isinstance(reply, Failure) and reply.kind == "invalid"
            assert "refused" in reply.message and "probe ran" not in reply.message


def _soon() -> float:
    return time.monotonic() + LIMITS.call_s
