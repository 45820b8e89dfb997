"""Hostile replies: whatever a sandbox writes on its connection, the judge never crashes or hangs.

tests/test_protocol.py fuzzes `decode` with arbitrary bytes and JSON headers; here the fuzz goes
further: safetensors blobs with well-formed headers (so tensors are built and then checked),
and whole frames written by a real sandbox straight into its connection to the judge, which
must turn every one of them into a verdict (`invalid`, or `timeout` for a frame that never
ends), never into an exception of the judge's own.
"""

from __future__ import annotations

import json
import struct
import textwrap
import time

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.judge.sandbox import Engine, Sandbox, SandboxOutcome
from grader.outputs.models import Limits
from grader.wire.protocol import ALLOWED_DTYPES, MAX_TENSOR_ELEMENTS, ProtocolError, decode, encode

# The submission hands its argument (hex) to the judge as raw bytes on the connection, as
# though it were the reply, then stalls so that the judge reads nothing else.
SPRAYER = textwrap.dedent(
    """
    import gc, os, time
    from multiprocessing.connection import Connection

    def spray(hex_bytes):
        data = bytes.fromhex(hex_bytes)
        for conn in [o for o in gc.get_objects() if isinstance(o, Connection) and not o.closed]:
            while data:
                data = data[os.write(conn.fileno(), data):]
        time.sleep(60)
    """
)
FUZZ_LIMITS = Limits(import_s=5, call_s=1, total_s=10, cpu_s=10, memory_mb=2048, output_kb=1)
DTYPES = [
    "F64",
    "F32",
    "F16",
    "BF16",
    "I64",
    "I32",
    "I16",
    "I8",
    "U8",
    "BOOL",
    "U64",
    "C64",
    "F8_E4M3",
    "F8_E5M2",
    "X9",
]


def frame(header: object, blob: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack(">I", len(raw)) + raw + blob


@st.composite
def safetensors_blobs(draw: st.DrawFn) -> bytes:
    """A safetensors file with a well-formed header whose entries may lie about the data."""
    count = draw(st.integers(0, 3))
    header, offset = {}, 0
    for index in range(count):
        shape = draw(st.lists(st.integers(-1, 6), max_size=3))
        size = draw(st.integers(0, 64))
        start = draw(st.sampled_from([offset, max(0, offset - 4), offset + 8]))
        header[f"t{index}"] = {
            "dtype": draw(st.sampled_from(DTYPES)),
            "shape": shape,
            "data_offsets": [start, start + size],
        }
        offset = start + size
    if draw(st.booleans()):
        header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header).encode()
    data = draw(st.binary(min_size=0, max_size=offset + 16))
    return struct.pack("<Q", len(raw)) + raw + data


@st.composite
def tensor_frames(draw: st.DrawFn) -> bytes:
    """A frame whose header points at tensors of a (mostly) well-formed safetensors blob."""
    blob = draw(safetensors_blobs())
    names = draw(st.lists(st.sampled_from(["t0", "t1", "t2", "t9"]), max_size=3))
    tree = draw(st.sampled_from([list, tuple, dict]))
    if tree is dict:
        header: object = {"$dict": [[name, {"$tensor": name}] for name in names]}
    else:
        items = [{"$tensor": name} for name in names]
        header = items if tree is list else {"$tuple": items}
    return frame(header, blob)


def assert_plain(value: object) -> None:
    """Whatever decode returns is plain data; every tensor in it is checked."""
    if isinstance(value, (list, tuple)):
        for item in value:
            assert_plain(item)
    elif isinstance(value, dict):
        assert all(type(key) is str for key in value)
        for item in value.values():
            assert_plain(item)
    elif isinstance(value, torch.Tensor):
        assert type(value) is torch.Tensor and value.layout == torch.strided
        assert value.device.type == "cpu" and value.dtype in ALLOWED_DTYPES
        assert value.numel() <= MAX_TENSOR_ELEMENTS
    else:
        assert value is None or type(value) in (bool, int, float, str)


@settings(max_examples=300, deadline=None)
@given(tensor_frames())
def test_decoder_checks_every_tensor_of_a_wellformed_blob(data: bytes) -> None:
    try:
        value = decode(data)
    except ProtocolError:
        return
    assert_plain(value)


def reply_to_garbage(engine: Engine, data: bytes) -> SandboxOutcome:
    """Start a sandbox whose call writes `data` as its reply; the judge's verdict on it."""
    with Sandbox(engine, FUZZ_LIMITS, "cpu", "student.py", "student") as box:
        box.request("import", FUZZ_LIMITS.import_s, "importing", source=SPRAYER)
        started = time.monotonic()
        with pytest.raises(SandboxOutcome) as caught:
            box.request(
                "call",
                FUZZ_LIMITS.call_s,
                "calling spray",
                name="spray",
                args=(data.hex(),),
                kwargs={},
            )
        assert time.monotonic() - started < FUZZ_LIMITS.call_s + 3
        assert not box.alive
    return caught.value


garbage = st.one_of(
    st.binary(min_size=1, max_size=64),  # raw bytes: often a length prefix that never completes
    st.binary(max_size=256).map(lambda body: struct.pack("!i", len(body)) + body),  # any body
    tensor_frames().map(lambda body: struct.pack("!i", len(body)) + body),
    st.just(struct.pack("!i", -7) + b"x"),  # a negative length
    st.just(struct.pack("!i", 2**31 - 1) + b"x" * 16),  # a length over the cap, never read
    st.just(struct.pack("!i", -1) + struct.pack("!Q", 2**40)),  # the 64-bit length escape
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=garbage)
def test_any_bytes_written_as_a_reply_give_a_verdict_not_a_crash(
    warm_engine: Engine, data: bytes
) -> None:
    found = reply_to_garbage(warm_engine, data)
    assert found.verdict in ("invalid", "timeout")


@pytest.mark.parametrize(
    ("data", "verdict"),
    [
        (struct.pack("!i", 5) + b"\x00\x00", "timeout"),  # announced, never finished
        (struct.pack("!i", 64 * 1024 * 1024 + 1), "invalid"),  # over MAX_FRAME_BYTES
        (struct.pack("!i", 8) + b"\x00\x00\x00\x02{}" + b"xx", "invalid"),  # bad header
        (struct.pack("!i", 4) + b"\xff\xff\xff\xff", "invalid"),  # header length past the end
    ],
)
def test_known_bad_replies(warm_engine: Engine, data: bytes, verdict: str) -> None:
    assert reply_to_garbage(warm_engine, data).verdict == verdict


def test_a_forged_reply_to_the_wrong_question_is_invalid(warm_engine: Engine) -> None:
    forged = encode({"id": 999, "ok": True, "value": "passed"})
    assert (
        reply_to_garbage(warm_engine, struct.pack("!i", len(forged)) + forged).verdict == "invalid"
    )


STOPS_READING = textwrap.dedent(
    """
    import gc, time
    from multiprocessing.connection import Connection
    from grader.wire.protocol import encode

    def answer_then_stall():
        for conn in [o for o in gc.get_objects() if isinstance(o, Connection) and not o.closed]:
            conn.send_bytes(encode({"id": 1, "ok": True, "value": "early"}))
        time.sleep(60)  # the judge's next request is never read

    def f(x):
        return 1
    """
)


def test_a_sandbox_that_stops_reading_cannot_block_the_judge(warm_engine: Engine) -> None:
    """It answers its call early, then stops reading: a large request must not block the judge."""
    with Sandbox(warm_engine, FUZZ_LIMITS, "cpu", "student.py", "student") as box:
        box.request("import", FUZZ_LIMITS.import_s, "importing", source=STOPS_READING)
        assert (
            box.request("call", 1, "calling", name="answer_then_stall", args=(), kwargs={})
            == "early"
        )
        started = time.monotonic()
        with pytest.raises(SandboxOutcome) as caught:
            box.request(
                "call", 1, "calling f", name="f", args=(torch.zeros(8 * 1024 * 1024),), kwargs={}
            )
        assert caught.value.verdict == "timeout" and "stopped reading" in caught.value.message
        assert time.monotonic() - started < 4 and not box.alive
