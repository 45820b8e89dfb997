"""The wire format: round trips, and the decoder as a trust boundary: its dtype allow-list,
its caps, and fuzzed input that must come back as plain data or a ProtocolError."""

from __future__ import annotations

import json
import math
import struct
import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from grader.wire.protocol import (
    ALLOWED_DTYPES,
    MAX_TENSOR_ELEMENTS,
    MAX_TENSORS,
    ProtocolError,
    Unencodable,
    decode,
    encode,
)


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


@pytest.mark.parametrize("dtype", sorted(ALLOWED_DTYPES, key=str))
def test_encoders_blob_is_the_safetensors_the_library_reads(dtype: torch.dtype) -> None:
    """encode writes the blob itself (not with the library's writer): the library reads each
    allowed dtype back bit for bit, views and 0-d and empty tensors included, in order."""
    base = (torch.arange(35.0).reshape(5, 7) - 17).to(dtype)
    tensors = [base, base[1:4, ::2], base.t(), base[2, 3], torch.zeros(0, 3, dtype=dtype), base[4]]
    data = encode(tensors)
    (length,) = struct.unpack(">I", data[:4])
    blob = data[4 + length :]
    (blob_header,) = struct.unpack("<Q", blob[:8])
    assert (8 + blob_header) % 8 == 0  # the tensors' bytes start aligned
    loaded = load_tensors(blob)
    assert sorted(loaded) == [f"t{i}" for i in range(len(tensors))]
    decoded = decode(data)
    for i, sent in enumerate(tensors):
        expected = sent.reshape(-1).view(torch.uint8)
        for tensor in (loaded[f"t{i}"], decoded[i]):
            assert tensor.dtype == dtype and tensor.shape == sent.shape
            assert torch.equal(tensor.reshape(-1).view(torch.uint8), expected)


def test_the_big_endian_path_reverses_each_elements_bytes() -> None:
    from grader.wire.protocol import _bytes_of

    value = torch.tensor([1, 258], dtype=torch.int32)
    assert _bytes_of(value, big_endian=False) == b"\x01\x00\x00\x00\x02\x01\x00\x00"
    assert _bytes_of(value, big_endian=True) == b"\x00\x00\x00\x01\x00\x00\x01\x02"
    assert _bytes_of(torch.tensor([True, False]), big_endian=True) == b"\x01\x00"
    pair = torch.tensor([1, 258], dtype=torch.int16)  # two-byte elements are reversed too
    assert _bytes_of(pair, big_endian=True) == b"\x00\x01\x01\x02"


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


def assert_plain(value: object) -> None:
    """What decode returned is plain data: the grammar's types only, every tensor checked."""
    if type(value) in (list, tuple):
        for item in value:  # type: ignore[attr-defined]
            assert_plain(item)
    elif type(value) is dict:
        assert all(type(key) is str for key in value)  # type: ignore[attr-defined]
        for item in value.values():  # type: ignore[attr-defined]
            assert_plain(item)
    elif isinstance(value, torch.Tensor):
        assert type(value) is torch.Tensor and value.layout == torch.strided
        assert value.device.type == "cpu" and value.dtype in ALLOWED_DTYPES
        assert value.numel() <= MAX_TENSOR_ELEMENTS
    else:
        assert value is None or type(value) in (bool, int, float, str), type(value)


def decoded_or_refused(data: bytes) -> object:
    """decode's answer: plain data (checked), or None when it raised ProtocolError; anything
    else it raises fails the test."""
    try:
        value = decode(data)
    except ProtocolError:
        return None
    assert_plain(value)
    return value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_decoder_never_crashes_on_arbitrary_bytes(data: bytes) -> None:
    decoded_or_refused(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=256), st.binary(max_size=256))
def test_decoder_never_crashes_on_bytes_behind_a_true_length(header: bytes, blob: bytes) -> None:
    """A length prefix that fits, so the header's bytes reach the UTF-8, JSON and safetensors
    parsers (random bytes alone rarely get past the prefix)."""
    decoded_or_refused(struct.pack(">I", len(header)) + header + blob)


@pytest.mark.parametrize(
    "bad",
    [
        struct.pack(">I", 0),  # an empty header: not JSON
        struct.pack(">I", 2) + b"\xff\xfe",  # not UTF-8
        struct.pack(">I", 1) + b"[",  # JSON cut short
        frame([1], b"\x08\x00\x00\x00\x00\x00\x00\x00{}"),  # a blob whose header lies
        frame([1], b"\xff" * 16),  # a blob that is not safetensors
        frame({"$dict": [["a"]]}),  # a dict entry that is not a pair
        frame({"$float": "NaN"}),
        frame(2**64),  # an integer out of range
    ],
)
def test_every_parser_failure_is_a_protocol_error(bad: bytes) -> None:
    """The boundary's catch-all: whatever the parsers underneath raise comes out as one error."""
    with pytest.raises(ProtocolError):
        decode(bad)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats() | st.text(),
        lambda children: (
            st.lists(children, max_size=4)
            | st.tuples(children, children)
            | st.dictionaries(st.text(max_size=4), children, max_size=3)
        ),
        max_leaves=10,
    )
)
def test_plain_values_survive_the_round_trip(value: object) -> None:
    """The control for the fuzzing above: real frames decode, to the same plain value."""
    back = decoded_or_refused(encode(value))
    assert json.dumps(back, default=repr) == json.dumps(value, default=repr)


def blob_frame(tensors: dict[str, torch.Tensor]) -> bytes:
    """A frame whose header uses every tensor of a safetensors blob built without encode's
    checks (what a hostile sandbox can send)."""
    return frame([{"$tensor": name} for name in tensors], save_tensors(tensors))


def all_dtypes() -> list[torch.dtype]:
    found = [getattr(torch, name) for name in dir(torch)]
    return sorted({d for d in found if isinstance(d, torch.dtype)}, key=str)


def loads_back(dtype: torch.dtype) -> bool:
    """safetensors stores and loads this dtype: only the decoder's allow-list can stop it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # experimental and deprecated dtypes say so
            load_tensors(save_tensors({"t0": torch.zeros(2, dtype=dtype)}))
    except Exception:  # noqa: BLE001 - safetensors cannot carry it, so it cannot arrive
        return False
    return True


DISALLOWED = [d for d in all_dtypes() if d not in ALLOWED_DTYPES and loads_back(d)]


def test_the_disallowed_dtypes_include_those_the_checks_never_expect() -> None:
    assert {torch.complex64, torch.uint16, torch.uint32, torch.uint64} <= set(DISALLOWED)
    assert torch.float8_e4m3fn in DISALLOWED and torch.float8_e5m2 in DISALLOWED


@pytest.mark.parametrize("dtype", DISALLOWED, ids=str)
def test_every_disallowed_dtype_is_refused(dtype: torch.dtype) -> None:
    with pytest.raises(ProtocolError, match="not allowed"):
        decode(blob_frame({"t0": torch.zeros(3, dtype=dtype)}))


@pytest.mark.parametrize("dtype", sorted(ALLOWED_DTYPES, key=str), ids=str)
def test_every_allowed_dtype_arrives(dtype: torch.dtype) -> None:
    (back,) = decode(blob_frame({"t0": torch.ones(3, dtype=dtype)}))
    assert back.dtype == dtype and torch.equal(back, torch.ones(3, dtype=dtype))


@pytest.mark.parametrize("tag", ["C128", "X9", "F8_E4M3FNUZ_TYPO", ""])
def test_an_unknown_dtype_tag_is_refused(tag: str) -> None:
    header = json.dumps({"t0": {"dtype": tag, "shape": [2], "data_offsets": [0, 2]}}).encode()
    blob = struct.pack("<Q", len(header)) + header + b"\x00\x00"
    with pytest.raises(ProtocolError):
        decode(frame([{"$tensor": "t0"}], blob))


def test_the_element_cap_is_exact() -> None:
    """MAX_TENSOR_ELEMENTS arrives; one element more is refused, in either of two tensors."""
    (at_cap,) = decode(blob_frame({"t0": torch.zeros(MAX_TENSOR_ELEMENTS, dtype=torch.bool)}))
    assert at_cap.numel() == MAX_TENSOR_ELEMENTS
    over = torch.zeros(MAX_TENSOR_ELEMENTS + 1, dtype=torch.bool)
    with pytest.raises(ProtocolError, match="over the cap"):
        decode(blob_frame({"t0": over}))
    with pytest.raises(ProtocolError, match="over the cap"):
        decode(blob_frame({"t0": torch.zeros(1), "t1": over.reshape(1, -1)}))


def test_the_tensor_count_cap_is_exact() -> None:
    decode(blob_frame({f"t{i}": torch.zeros(1) for i in range(MAX_TENSORS)}))
    with pytest.raises(ProtocolError, match="too many tensors"):
        decode(blob_frame({f"t{i}": torch.zeros(1) for i in range(MAX_TENSORS + 1)}))


def test_an_unused_or_twice_used_tensor_is_refused() -> None:
    blob = save_tensors({"t0": torch.zeros(1), "t1": torch.zeros(1)})
    with pytest.raises(ProtocolError, match="does not use"):
        decode(frame([{"$tensor": "t0"}], blob))
    with pytest.raises(ProtocolError, match="twice"):
        decode(frame([{"$tensor": "t0"}, {"$tensor": "t0"}, {"$tensor": "t1"}], blob))


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
    decoded_or_refused(frame(header, blob))
