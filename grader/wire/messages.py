"""The messages judge and sandbox exchange, defined once; both ends build and read them here.

    judge -> sandbox   Request   import a source, call a function of it, or run a probe on it
    sandbox -> judge   Ready     once, after lock-down and before any student code (or NotReady)
    sandbox -> judge   Success   the plain value a request produced
                       Failure   why it produced none: one of FAILURE_KINDS, a message, a trace

Each message is one frame of `grader.wire.protocol`. The readers are strict: anything but the
message they expect raises `ProtocolError`. The sandbox refuses a request with an op it does not
know (`RequestRefused`, answered with a Failure of kind `invalid`) instead of guessing; the judge
treats a reply it cannot read, an unknown failure kind included, as malformed. A reply can never
say `passed`: only the judge's checks decide that, from a Success's value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

from grader.wire.protocol import ProtocolError, decode, encode

Op = Literal["import", "call", "probe"]
OPS: frozenset[str] = frozenset(get_args(Op))
FailureKind = Literal["error", "not_attempted", "memory", "invalid"]
FAILURE_KINDS: frozenset[str] = frozenset(get_args(FailureKind))
MAX_FEEDBACK = 4000  # characters of a Failure's message and of its traceback the judge keeps
MAX_NOTE = 300  # characters of each isolation note the judge keeps


class RequestRefused(ProtocolError):
    """A request the sandbox will not serve (unknown op, missing or mistyped fields)."""

    def __init__(self, rid: int | None, reason: str) -> None:
        super().__init__(reason)
        self.rid = rid

    def reply(self) -> bytes:
        """The sandbox's answer to the refused request."""
        return Failure(self.rid, "invalid", f"the sandbox refused the request: {self}").encode()


@dataclass(frozen=True)
class Request:
    """The judge's question. `import` carries `source`; `call` and `probe` carry `name` (a
    module-level function of the submission, or a probe of the exercise), `args` and `kwargs`."""

    id: int
    op: Op
    name: str = ""
    source: str = ""
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"no such request op: {self.op!r}")

    def encode(self) -> bytes:
        body: dict[str, Any] = {"id": self.id, "op": self.op}
        if self.op == "import":
            body["source"] = self.source
        else:
            body.update(name=self.name, args=tuple(self.args), kwargs=dict(self.kwargs))
        return encode(body)

    @classmethod
    def decode(cls, frame: bytes) -> Request:
        """Sandbox-side: the request in `frame`, or RequestRefused."""
        try:
            value = decode(frame)
        except ProtocolError as exc:
            raise RequestRefused(None, str(exc)) from None
        if not isinstance(value, dict) or type(value.get("id")) is not int:
            raise RequestRefused(None, "a request is a dict with an integer id")
        rid, op = value["id"], value.get("op")
        if op not in OPS:
            raise RequestRefused(rid, f"unknown op {op!r} (known: {', '.join(sorted(OPS))})")
        if op == "import":
            if not isinstance(value.get("source"), str):
                raise RequestRefused(rid, "an import request carries its source as str")
            return cls(rid, "import", source=value["source"])
        name, args, kwargs = value.get("name"), value.get("args", ()), value.get("kwargs", {})
        if not (isinstance(name, str) and isinstance(args, (tuple, list))):
            raise RequestRefused(rid, f"a {op} request carries a str name and a tuple of args")
        if not isinstance(kwargs, dict):
            raise RequestRefused(rid, f"a {op} request carries its kwargs as a dict")
        return cls(rid, op, name=name, args=tuple(args), kwargs=kwargs)


@dataclass(frozen=True)
class Success:
    """The request's answer: a value of plain data (student-made; the judge decides on it)."""

    id: int | None
    value: Any

    def encode(self) -> bytes:
        """Raises Unencodable for a value that is not plain data (encoding may run student
        code: methods of subclasses; the sandbox encodes inside its handlers)."""
        return encode({"id": self.id, "ok": True, "value": self.value})


@dataclass(frozen=True)
class Failure:
    """The request produced no answer: the student's code raised, was not attempted, ran out of
    memory, or returned something that is not plain data."""

    id: int | None
    kind: FailureKind
    message: str
    traceback: str = ""

    def encode(self) -> bytes:
        body = {"id": self.id, "ok": False, "kind": self.kind, "message": self.message}
        return encode({**body, "traceback": self.traceback})


Reply = Success | Failure


def read_reply(value: Any, rid: int) -> Reply:
    """Judge-side: the reply to request `rid`, read from decoded plain data; ProtocolError for
    anything else (another request's id, no `ok`, an unknown kind, a message that is not text)."""
    if not isinstance(value, dict) or value.get("id") != rid or type(value.get("id")) is not int:
        raise ProtocolError(f"not a reply to request {rid}")
    ok = value.get("ok")
    if ok is True:
        return Success(rid, value.get("value"))
    if ok is not False:
        raise ProtocolError("a reply's ok is true or false")
    kind, message, trace = value.get("kind"), value.get("message", ""), value.get("traceback", "")
    if not (isinstance(kind, str) and kind in FAILURE_KINDS):
        raise ProtocolError("a failure's kind is not one the sandbox sends")
    if not (isinstance(message, str) and isinstance(trace, str)):
        raise ProtocolError("a failure's message and traceback are text")
    return Failure(rid, cast(FailureKind, kind), message[:MAX_FEEDBACK], trace[:MAX_FEEDBACK])


@dataclass(frozen=True)
class Ready:
    """The sandbox locked itself down: which isolation layers are active, notes on them."""

    layers: dict[str, bool]
    notes: dict[str, str]
    pid: int

    def encode(self) -> bytes:
        return encode({"ready": True, "layers": self.layers, "notes": self.notes, "pid": self.pid})


@dataclass(frozen=True)
class NotReady:
    """The sandbox could not lock itself down (or must not run): it exits after saying why."""

    message: str

    def encode(self) -> bytes:
        return encode({"ready": False, "message": self.message})


def read_ready(value: Any) -> Ready | NotReady:
    """Judge-side: the sandbox's first message, from decoded plain data; ProtocolError if it is
    neither a Ready nor a NotReady."""
    if not isinstance(value, dict) or type(value.get("ready")) is not bool:
        raise ProtocolError("the sandbox's first message is not a ready message")
    if not value["ready"]:
        return NotReady(str(value.get("message", "the sandbox did not start"))[:MAX_FEEDBACK])
    layers, notes, pid = value.get("layers"), value.get("notes"), value.get("pid")
    if not (isinstance(layers, dict) and all(type(v) is bool for v in layers.values())):
        raise ProtocolError("a ready message names each layer with true or false")
    if not (isinstance(notes, dict) and all(isinstance(v, str) for v in notes.values())):
        raise ProtocolError("a ready message's notes are text")
    if type(pid) is not int:
        raise ProtocolError("a ready message carries the sandbox's pid")
    return Ready(layers, {name: note[:MAX_NOTE] for name, note in notes.items()}, pid)
