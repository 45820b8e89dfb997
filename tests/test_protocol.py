"""The wire format: round trips, and the decoder as a trust boundary (fuzzed)."""

from __future__ import annotations

import json
import math
import struct

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.wire.protocol import ProtocolError, Unencodable, decode, encode


def frame(header: object, blob: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack(">I", len(raw)) + raw + blob


def test_round_trip_of_plain_values() -> None:
    value = {"a": (1, 2.5, None, True, "x"), "t": [torch.arange(6.0).reshape(2, 3)]}
    back = decode(encode(value))
    assert back["a"] == (1, 2.5, None, True, "x")
    assert torch.equal(back["t"][0], torch.arange(6.0).reshape(2, 3))


def test_special_floats_survive() -> None:
    back = decode(encode([math.inf, -math.inf, math.nan]))
    assert back[0] == math.inf and back[1] == -math.inf and math.isnan(back[2])


def test_float_subclass_arrives_as_plain_float() -> None:
    class Always(float):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = float.__hash__

    back = decode(encode(Always(2.0)))
    assert type(back) is float and back == 2.0 and back != 3.0


def test_tensor_subclass_arrives_as_plain_tensor() -> None:
    class Rigged(torch.Tensor):
        pass

    back = decode(encode(torch.ones(2).as_subclass(Rigged)))
    assert type(back) is torch.Tensor


@pytest.mark.parametrize("value", [object(), {1: 2}, torch.ones(2).to_sparse(), lambda: 1])
def test_non_plain_values_are_refused(value: object) -> None:
    with pytest.raises(Unencodable):
        encode(value)


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"\x00\x00",
        struct.pack(">I", 99) + b"{}",
        frame({"$pickle": "x"}),
        frame({"$tensor": "t0"}),
        frame([1, {"a": 1, "b": 2}]),
        struct.pack(">I", 3) + b"NaN",
        frame({"$tuple": [1]}, b"garbage"),
        frame({"$dict": [[1, 2]]}),
    ],
)
def test_malformed_frames_raise_protocol_error(bad: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode(bad)


def test_deep_nesting_is_refused() -> None:
    deep: object = 1
    for _ in range(100):
        deep = [deep]
    with pytest.raises(ProtocolError):
        decode(frame(deep))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_decoder_never_crashes_on_arbitrary_bytes(data: bytes) -> None:
    try:
        decode(data)
    except ProtocolError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["$tuple", "$dict", "$float", "$tensor", "a"]), children, max_size=2
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.binary(max_size=64))
def test_decoder_never_crashes_on_arbitrary_frames(header: object, blob: bytes) -> None:
    try:
        decode(frame(header, blob))
    except ProtocolError:
        pass
