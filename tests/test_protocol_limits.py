"""The wire decoder's caps, each at its exact value: at the cap it decodes, one over it is a
ProtocolError (never another exception); and what decode gives back for the tags and texts
that test_protocol.py only round-trips.
"""

from __future__ import annotations

import json
import math
import re
import struct

import numpy
import pytest
import torch
from safetensors.torch import save as save_tensors

from grader.wire.protocol import (
    ALLOWED_DTYPES,
    MAX_DEPTH,
    MAX_FRAME_BYTES,
    MAX_HEADER_BYTES,
    MAX_STRING,
    MAX_TENSOR_ELEMENTS,
    ProtocolError,
    Unencodable,
    decode,
    encode,
)


def frame(header: bytes, blob: bytes = b"") -> bytes:
    return struct.pack(">I", len(header)) + header + blob


def raw(value: object) -> bytes:
    return frame(json.dumps(value).encode())


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def test_nesting_to_max_depth_arrives_and_one_more_level_is_refused() -> None:
    assert decode(raw(nested(MAX_DEPTH))) == nested(MAX_DEPTH)
    with pytest.raises(ProtocolError, match="nested too deeply"):
        decode(raw(nested(MAX_DEPTH + 1)))


def test_the_encoder_keeps_the_same_depth_limit() -> None:
    assert decode(encode(nested(MAX_DEPTH))) == nested(MAX_DEPTH)
    with pytest.raises(Unencodable, match="nested too deeply"):
        encode(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize("tag", ["$tuple", "$dict"])
def test_tagged_containers_count_as_levels_too(tag: str) -> None:
    def wrap(value: object) -> object:
        return {"$tuple": [value]} if tag == "$tuple" else {"$dict": [["k", value]]}

    value: object = 1
    for _ in range(MAX_DEPTH):
        value = wrap(value)
    decode(raw(value))
    with pytest.raises(ProtocolError, match="nested too deeply"):
        decode(raw(wrap(value)))


def test_json_too_deep_for_the_parser_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="too deep"):
        decode(frame(b"[" * 200_000 + b"]" * 200_000))


@pytest.mark.parametrize("number", [2**63, -(2**63), 2**63 - 1])
def test_integers_up_to_two_to_the_63_arrive(number: int) -> None:
    assert decode(raw([number])) == [number]


@pytest.mark.parametrize("number", [2**63 + 1, -(2**63) - 1, 10**30])
def test_larger_integers_are_refused(number: int) -> None:
    with pytest.raises(ProtocolError, match="integer out of range"):
        decode(raw([number]))


def test_a_string_at_the_cap_arrives_and_one_character_more_is_refused() -> None:
    assert decode(raw(["x" * MAX_STRING])) == ["x" * MAX_STRING]
    with pytest.raises(ProtocolError, match="string over the size cap"):
        decode(raw(["x" * (MAX_STRING + 1)]))


def header_of(size: int) -> bytes:
    """A JSON header of exactly `size` bytes: a list of strings under the string cap, then
    spaces (JSON allows them after the value)."""
    parts, left = [], size - 2
    while left > MAX_STRING:
        parts.append("x" * (MAX_STRING - 3))
        left -= MAX_STRING  # two quotes and a comma
    text = json.dumps(parts, separators=(",", ":")).encode()
    return text + b" " * (size - len(text))


def test_a_header_at_the_cap_arrives_and_one_byte_more_is_refused() -> None:
    at_cap = header_of(MAX_HEADER_BYTES)
    assert len(at_cap) == MAX_HEADER_BYTES
    assert len(decode(frame(at_cap))) == 3
    with pytest.raises(ProtocolError, match="header length out of range"):
        decode(frame(at_cap + b" "))


def test_a_length_prefix_longer_than_the_frame_is_refused() -> None:
    body = b"[1]"
    assert decode(frame(body)) == [1]
    with pytest.raises(ProtocolError, match="header length out of range"):
        decode(struct.pack(">I", len(body) + 1) + body)


def test_a_frame_at_the_size_cap_arrives_and_one_byte_more_is_refused() -> None:
    """Two tensors under the element cap fill most of it; spaces in the header the rest."""
    tensors = {
        "t0": torch.zeros(MAX_TENSOR_ELEMENTS, dtype=torch.float64),
        "t1": torch.zeros((MAX_FRAME_BYTES // 2 - 4096) // 8, dtype=torch.float64),
    }
    blob = save_tensors(tensors)
    header = b'[{"$tensor":"t0"},{"$tensor":"t1"}]'
    header += b" " * (MAX_FRAME_BYTES - 4 - len(header) - len(blob))
    at_cap = frame(header, blob)
    assert len(at_cap) == MAX_FRAME_BYTES
    first, second = decode(at_cap)
    assert first.numel() == MAX_TENSOR_ELEMENTS and second.numel() < MAX_TENSOR_ELEMENTS
    over = frame(header + b" ", blob)
    with pytest.raises(ProtocolError, match="frame over the size cap"):
        decode(over)


@pytest.mark.parametrize("short", [b"", b"\x00", b"\x00\x00\x00"])
def test_a_frame_shorter_than_its_prefix_is_refused(short: bytes) -> None:
    with pytest.raises(ProtocolError, match="shorter than its length prefix"):
        decode(short)


@pytest.mark.parametrize(
    "not_bytes", ["\x00\x00\x00\x01[", None, [0, 0, 0, 1], memoryview(b"1234")]
)
def test_only_bytes_are_decoded(not_bytes: object) -> None:
    with pytest.raises(ProtocolError):
        decode(not_bytes)  # type: ignore[arg-type]


def test_a_bytearray_is_decoded_like_bytes() -> None:
    assert decode(bytearray(encode({"a": (1, 2.5)}))) == {"a": (1, 2.5)}


def test_lone_surrogates_are_dropped_from_strings_and_keys() -> None:
    header = b'[{"$dict":[["k\\ud800ey","v\\udfffal"]]},"a\\udc00b"]'
    assert decode(frame(header)) == [{"key": "val"}, "ab"]


def test_a_dict_entry_must_be_a_string_keyed_pair() -> None:
    assert decode(raw({"$dict": [["a", 1], ["b", [2]]]})) == {"a": 1, "b": [2]}
    for bad in ([["a"]], [["a", 1, 2]], [[1, 2]], ["ab"], [{"a": 1}]):
        with pytest.raises(ProtocolError, match="dict entries"):
            decode(raw({"$dict": bad}))


@pytest.mark.parametrize(
    "tagged",
    [
        {"$tuple": "ab"},
        {"$dict": {"a": 1}},
        {"$float": "NaN"},
        {"$float": 1.0},
        {"$tensor": 0},
        {"$set": [1]},
        {"a": 1},
    ],
)
def test_a_malformed_or_unknown_tag_is_refused(tagged: object) -> None:
    with pytest.raises(ProtocolError, match="unknown or malformed tag"):
        decode(raw(tagged))


def test_a_json_object_of_several_keys_is_refused() -> None:
    with pytest.raises(ProtocolError, match="unexpected JSON value of type dict"):
        decode(raw({"$tuple": [], "$dict": []}))


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_bare_json_constants_are_refused(constant: bytes) -> None:
    with pytest.raises(ProtocolError, match="bare .* is not allowed"):
        decode(frame(b"[" + constant + b"]"))


@pytest.mark.parametrize(
    ("value", "tag"), [(math.inf, "inf"), (-math.inf, "-inf"), (math.nan, "nan")]
)
def test_non_finite_floats_travel_as_their_tag(value: float, tag: str) -> None:
    data = encode(value)
    assert json.loads(data[4:]) == {"$float": tag}


def test_numbers_of_subclasses_and_numpy_arrive_as_plain_python_values() -> None:
    class Number(int):
        def __index__(self) -> int:
            return 0

    back = decode(encode([Number(7), numpy.float64(2.5), numpy.int32(3), numpy.arange(3.0)]))
    assert back[:3] == [7, 2.5, 3] and [type(v) for v in back[:3]] == [int, float, int]
    assert type(back[3]) is torch.Tensor and back[3].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    "value",
    [
        torch.ones(2, dtype=torch.complex64),
        torch.ones(2, device="meta"),
        torch.ones(2, 2).to_sparse(),
        {"a": 1, 2: "b"},
    ],
    ids=["complex", "meta", "sparse", "int-key"],
)
def test_the_encoder_refuses_what_the_decoder_would(value: object) -> None:
    with pytest.raises(Unencodable):
        encode(value)


def test_an_encoded_tensor_is_a_detached_contiguous_copy() -> None:
    source = torch.arange(6.0, requires_grad=True).reshape(2, 3).t()
    (back,) = decode(encode([source]))
    assert back.is_contiguous() and not back.requires_grad
    assert torch.equal(back, source.detach())


def test_the_caps_hold_at_their_documented_values() -> None:
    """Written out, not imported: a cap moved in protocol.py must fail here (SECURITY.md's
    size caps are part of the wire's contract, not a detail of the decoder)."""
    decode(raw(nested(32)))
    with pytest.raises(ProtocolError, match="nested too deeply"):
        decode(raw(nested(33)))
    decode(raw(["x" * (1 << 20)]))
    with pytest.raises(ProtocolError, match="string over the size cap"):
        decode(raw(["x" * ((1 << 20) + 1)]))
    decode(save_frame({f"t{i}": torch.zeros(1) for i in range(256)}))
    with pytest.raises(ProtocolError, match="too many tensors"):
        decode(save_frame({f"t{i}": torch.zeros(1) for i in range(257)}))
    decode(save_frame({"t0": torch.zeros(4 << 20, dtype=torch.bool)}))
    with pytest.raises(ProtocolError, match="over the cap"):
        decode(save_frame({"t0": torch.zeros((4 << 20) + 1, dtype=torch.bool)}))
    decode(frame(header_of(4 << 20)))
    with pytest.raises(ProtocolError, match="header length out of range"):
        decode(frame(header_of((4 << 20) + 1)))
    assert MAX_FRAME_BYTES == 64 << 20  # the size-cap test builds a frame of exactly this size


def save_frame(tensors: dict[str, torch.Tensor]) -> bytes:
    header = json.dumps([{"$tensor": name} for name in tensors]).encode()
    return frame(header, save_tensors(tensors))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x00\x00", "frame shorter than its length prefix"),
        (struct.pack(">I", 5) + b"[1]", "header length out of range"),
        (frame(b"[NaN]"), "bare NaN is not allowed; use the $float tag"),
        (raw(nested(40)), "value nested too deeply"),
        (raw([2**64]), "integer out of range"),
        (raw(["x" * ((1 << 20) + 1)]), "string over the size cap"),
        (raw({"$dict": [[1, 2]]}), "dict entries must be [str, value] pairs"),
        (raw({"$set": [1]}), "unknown or malformed tag '$set'"),
        (raw({"a": 1, "b": 2}), "unexpected JSON value of type dict"),
        (frame(b"[" * 200_000 + b"]" * 200_000), "frame too deep or too large: RecursionError"),
    ],
)
def test_each_refusal_says_exactly_what_was_wrong(data: bytes, message: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        decode(data)
    assert str(refused.value) == message


def test_a_four_byte_frame_reaches_the_json_parser() -> None:
    with pytest.raises(ProtocolError) as refused:
        decode(b"\x00\x00\x00\x00")
    assert str(refused.value).startswith("malformed frame: JSONDecodeError: ")


def test_a_frame_over_the_size_cap_says_so() -> None:
    with pytest.raises(ProtocolError) as refused:
        decode(b"\x00\x00\x00\x02[]" + b" " * MAX_FRAME_BYTES)
    assert str(refused.value) == "frame over the size cap"


def test_each_tensor_refusal_says_exactly_what_was_wrong() -> None:
    def refusal(data: bytes) -> str:
        with pytest.raises(ProtocolError) as refused:
            decode(data)
        return str(refused.value)

    two = save_tensors({"t0": torch.zeros(1), "t1": torch.zeros(1)})
    assert (
        refusal(frame(b'[{"$tensor":"t0"}]', two)) == "blob holds tensors the header does not use"
    )
    twice = frame(b'[{"$tensor":"t0"},{"$tensor":"t0"},{"$tensor":"t1"}]', two)
    assert refusal(twice) == "tensor referenced twice"
    assert refusal(save_frame({f"t{i}": torch.zeros(1) for i in range(257)})) == "too many tensors"
    complex_frame = save_frame({"t0": torch.zeros(1, dtype=torch.complex64)})
    assert refusal(complex_frame) == "t0: dtype torch.complex64 not allowed"
    over = save_frame({"t0": torch.zeros((4 << 20) + 1, dtype=torch.bool)})
    assert refusal(over) == "t0: 4194305 elements is over the cap"


@pytest.mark.parametrize(
    ("value", "refusal"),
    [
        (torch.ones(2, dtype=torch.complex64), "dtype torch.complex64 cannot be sent"),
        (torch.ones(2, device="meta"), "a meta tensor holds no data"),
        (torch.ones(2, 2).to_sparse(), "a torch.sparse_coo tensor is not a dense tensor"),
        ({"a": 1, 2: "b"}, "dict keys must be str"),
        (object(), "builtins.object is not plain data"),
    ],
    ids=["complex", "meta", "sparse", "int-key", "object"],
)
def test_the_encoder_says_what_it_cannot_send(value: object, refusal: str) -> None:
    """The sentence a student reads when their function returns something the wire refuses."""
    with pytest.raises(Unencodable, match=f"^{re.escape(refusal)}$"):
        encode(value)


def test_nested_dicts_are_held_to_the_same_depth() -> None:
    value: object = 1
    for _ in range(MAX_DEPTH):
        value = {"k": value}
    assert decode(encode(value)) == value
    with pytest.raises(Unencodable, match="^value nested too deeply$"):
        encode({"k": value})


def test_the_allowed_dtypes_are_the_documented_ten() -> None:
    """Written out, not imported: a dtype added to the wire's list must be added here too."""
    floats = {torch.float16, torch.bfloat16, torch.float32, torch.float64}
    ints = {torch.int8, torch.uint8, torch.int16, torch.int32, torch.int64}
    assert floats | ints | {torch.bool} == ALLOWED_DTYPES
