"""The wire format between judge and sandbox: plain data only, nothing that can run code.

One message is one frame:

    [4-byte big-endian header length][header: UTF-8 JSON][safetensors blob, possibly empty]

The JSON header holds the value tree. Plain JSON covers None, bool, int, float, str and list;
tagged objects cover the rest:

    {"$tuple": [...]}            a tuple
    {"$dict": [[key, value]...]} a dict with str keys
    {"$float": "nan"|"inf"|"-inf"}
    {"$tensor": "t3"}            the tensor stored under "t3" in the safetensors blob

The blob is written here, to the safetensors format's specification (an 8-byte little-endian
header length, a JSON header naming each tensor's dtype, shape and byte range, the bytes), and
read by the safetensors library: the reader is the trust boundary, and it is the library's.
The library's own writer cost about 90 us a tensor (it looks for storage shared between
tensors, which a fresh byte copy cannot have); this one about 10.

Nothing is unpickled, ever. `decode` is the trust boundary: it accepts only this grammar, checks
every tensor (dense, strided, CPU, an allowed dtype, a size cap) and raises `ProtocolError` for
anything else, so a hostile sandbox can make a check `invalid` but never crash the judge.
Lone surrogates (valid in JSON's `\ud800` escapes, not in UTF-8) are dropped from every decoded
string and key: the text a student's code raises or prints must stay encodable downstream.
"""

from __future__ import annotations

import json
import math
import re
import struct
import sys
from typing import Any

import torch
from safetensors.torch import load as load_tensors

MAX_FRAME_BYTES = 64 * 1024 * 1024
MAX_HEADER_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32
MAX_TENSORS = 256
MAX_TENSOR_ELEMENTS = 4 * 1024 * 1024
MAX_STRING = 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")
# the dtypes a frame may carry, each with its safetensors name
SAFETENSORS_DTYPES = {
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float32: "F32",
    torch.float64: "F64",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.int16: "I16",
    torch.int32: "I32",
    torch.int64: "I64",
    torch.bool: "BOOL",
}
ALLOWED_DTYPES = frozenset(SAFETENSORS_DTYPES)


class ProtocolError(Exception):
    """A frame that is not valid plain data of this protocol."""


class Unencodable(Exception):
    """A value (made by student code, sandbox-side) that is not plain data."""


def encode(value: Any) -> bytes:
    """Encode a value tree into one frame. Raises Unencodable for anything not plain data."""
    tensors: dict[str, tuple[str, list[int], bytes]] = {}
    tree = _to_tree(value, tensors, 0)
    header = json.dumps(tree, allow_nan=False, separators=(",", ":")).encode("utf-8")
    return struct.pack(">I", len(header)) + header + _blob(tensors)


def _blob(tensors: dict[str, tuple[str, list[int], bytes]]) -> bytes:
    """The tensors as one safetensors file (dtype, shape and bytes each); b"" for none."""
    if not tensors:
        return b""
    entries: dict[str, Any] = {}
    start = 0
    for name, (dtype, shape, data) in tensors.items():
        entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": [start, start + len(data)]}
        start += len(data)
    header = json.dumps(entries, separators=(",", ":")).encode("ascii")
    header += b" " * (-len(header) % 8)  # the data starts 8-byte aligned, as the format asks
    return b"".join([struct.pack("<Q", len(header)), header, *(t[2] for t in tensors.values())])


def decode(frame: bytes) -> Any:
    """Decode one frame from an untrusted peer. Raises ProtocolError, never anything else."""
    try:
        return _decode(frame)
    except ProtocolError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise ProtocolError(f"frame too deep or too large: {type(exc).__name__}") from None
    except Exception as exc:  # noqa: BLE001 - the boundary turns every failure into one error
        raise ProtocolError(f"malformed frame: {type(exc).__name__}: {exc}"[:300]) from None


def _decode(frame: bytes) -> Any:
    if not isinstance(frame, (bytes, bytearray)) or len(frame) < 4:
        raise ProtocolError("frame shorter than its length prefix")
    if len(frame) > MAX_FRAME_BYTES:
        raise ProtocolError("frame over the size cap")
    (header_len,) = struct.unpack(">I", frame[:4])
    if header_len > MAX_HEADER_BYTES or 4 + header_len > len(frame):
        raise ProtocolError("header length out of range")
    header = bytes(frame[4 : 4 + header_len]).decode("utf-8")
    blob = bytes(frame[4 + header_len :])
    tree = json.loads(header, parse_constant=_reject_constant)
    tensors = _load_blob(blob)
    used: set[str] = set()
    value = _from_tree(tree, tensors, used, 0)
    if used != set(tensors):
        raise ProtocolError("blob holds tensors the header does not use")
    return value


def _reject_constant(name: str) -> Any:
    raise ProtocolError(f"bare {name} is not allowed; use the $float tag")


def _load_blob(blob: bytes) -> dict[str, torch.Tensor]:
    if not blob:
        return {}
    tensors = load_tensors(blob)
    if len(tensors) > MAX_TENSORS:
        raise ProtocolError("too many tensors")
    for name, tensor in tensors.items():
        _validate_tensor(name, tensor)
    return tensors


def _validate_tensor(name: str, tensor: Any) -> None:
    if type(tensor) is not torch.Tensor:
        raise ProtocolError(f"{name}: not a plain tensor")
    if tensor.layout != torch.strided or tensor.device.type != "cpu":
        raise ProtocolError(f"{name}: not a dense CPU tensor")
    if tensor.dtype not in ALLOWED_DTYPES:
        raise ProtocolError(f"{name}: dtype {tensor.dtype} not allowed")
    if tensor.numel() > MAX_TENSOR_ELEMENTS:
        raise ProtocolError(f"{name}: {tensor.numel()} elements is over the cap")


def _from_tree(node: Any, tensors: dict[str, torch.Tensor], used: set[str], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if node is None or isinstance(node, (bool, float)):
        return node
    if isinstance(node, int):
        if abs(node) > 2**63:
            raise ProtocolError("integer out of range")
        return node
    if isinstance(node, str):
        if len(node) > MAX_STRING:
            raise ProtocolError("string over the size cap")
        return _SURROGATE.sub("", node)
    if isinstance(node, list):
        return [_from_tree(item, tensors, used, depth + 1) for item in node]
    if isinstance(node, dict) and len(node) == 1:
        return _from_tag(node, tensors, used, depth)
    raise ProtocolError(f"unexpected JSON value of type {type(node).__name__}")


def _from_tag(
    node: dict[str, Any], tensors: dict[str, torch.Tensor], used: set[str], depth: int
) -> Any:
    ((tag, body),) = node.items()
    if tag == "$tuple" and isinstance(body, list):
        return tuple(_from_tree(item, tensors, used, depth + 1) for item in body)
    if tag == "$dict" and isinstance(body, list):
        out: dict[str, Any] = {}
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                raise ProtocolError("dict entries must be [str, value] pairs")
            out[_SURROGATE.sub("", pair[0])] = _from_tree(pair[1], tensors, used, depth + 1)
        return out
    if tag == "$float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "$tensor" and isinstance(body, str) and body in tensors:
        if body in used:
            raise ProtocolError("tensor referenced twice")
        used.add(body)
        return tensors[body]
    raise ProtocolError(f"unknown or malformed tag {tag!r}")


def _to_tree(value: Any, tensors: dict[str, tuple[str, list[int], bytes]], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise Unencodable("value nested too deeply")
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        if math.isfinite(value):
            return value
        return {"$float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if type(value) in (list, tuple):
        items = [_to_tree(item, tensors, depth + 1) for item in value]
        return items if type(value) is list else {"$tuple": items}
    if type(value) is dict:
        if not all(type(key) is str for key in value):
            raise Unencodable("dict keys must be str")
        return {"$dict": [[key, _to_tree(item, tensors, depth + 1)] for key, item in value.items()]}
    if isinstance(value, (bool, int, float)):
        return _to_tree(_plain_number(value), tensors, depth + 1)
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return _to_tree(_from_numpy(value), tensors, depth + 1)
    if isinstance(value, torch.Tensor):
        key = f"t{len(tensors)}"
        tensor = _plain_tensor(value)
        tensors[key] = (SAFETENSORS_DTYPES[tensor.dtype], list(tensor.shape), _bytes_of(tensor))
        return {"$tensor": key}
    raise Unencodable(f"{type(value).__module__}.{type(value).__qualname__} is not plain data")


def _plain_tensor(value: torch.Tensor) -> torch.Tensor:
    """A dense, contiguous, detached CPU tensor with no subclass (sandbox-side, best effort);
    `_bytes_of` copies its bytes at once, before any other value is encoded."""
    if value.layout != torch.strided:
        raise Unencodable(f"a {value.layout} tensor is not a dense tensor")
    if value.device.type == "meta":
        raise Unencodable("a meta tensor holds no data")
    tensor = torch.Tensor.detach(value)
    if type(tensor) is not torch.Tensor:
        tensor = tensor.as_subclass(torch.Tensor)
    if tensor.dtype not in ALLOWED_DTYPES:
        raise Unencodable(f"dtype {tensor.dtype} cannot be sent")
    return tensor.to("cpu").contiguous()


def _bytes_of(tensor: torch.Tensor, big_endian: bool = sys.byteorder == "big") -> bytes:
    """A copy of a contiguous CPU tensor's bytes (any dtype, 0-d included), little-endian as
    safetensors stores them (each element's bytes reversed on a big-endian machine)."""
    raw = tensor.reshape(-1).view(torch.uint8)
    if big_endian and tensor.element_size() > 1:
        raw = raw.reshape(-1, tensor.element_size()).flip(1).reshape(-1)
    return raw.numpy().tobytes()


def _plain_number(value: bool | int | float) -> bool | int | float:
    """The number a subclass stores, read without calling any method it overrides."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int.__index__(value)
    return float.__float__(value)


def _from_numpy(value: Any) -> Any:
    """numpy scalars become Python numbers, arrays become tensors (sandbox-side convenience)."""
    import numpy

    if isinstance(value, numpy.generic):
        return value.item()
    return torch.from_numpy(numpy.ascontiguousarray(numpy.asarray(value)))
