"""Frames on the judge's end of the connection, each byte moved against a deadline.

multiprocessing.Connection's framing (a signed 4-byte big-endian length; -1, then an 8-byte
length, for frames over 2 GiB), moved with poll() and non-blocking I/O so that every byte has a
deadline: a sandbox that announces a frame and stalls half-way, or stops reading, cannot hang
the judge. The sandbox's end keeps using Connection.send_bytes / recv_bytes, which speak the
same framing.
"""

from __future__ import annotations

import os
import select
import struct
import time

from grader.wire.protocol import ProtocolError


def send_frame(fd: int, payload: bytes, deadline: float) -> None:
    """Write one frame by `deadline` (TimeoutError), however slowly the peer reads."""
    data = memoryview(struct.pack("!i", len(payload)) + payload)
    while data:
        _wait(fd, select.POLLOUT, deadline)
        try:
            data = data[os.write(fd, data) :]
        except BlockingIOError:
            continue


def receive_frame(fd: int, deadline: float, limit: int) -> bytes:
    """Read one whole frame by `deadline` (TimeoutError); EOFError if the peer is gone, and
    ProtocolError for a length over `limit` (its body is never read)."""
    (size,) = struct.unpack("!i", _read_exactly(fd, 4, deadline))
    if size == -1:
        (size,) = struct.unpack("!Q", _read_exactly(fd, 8, deadline))
    if size < 0 or size > limit:
        raise ProtocolError("larger than allowed" if size > 0 else "of a negative length")
    return _read_exactly(fd, size, deadline)


def _read_exactly(fd: int, count: int, deadline: float) -> bytes:
    chunks, missing = [], count
    while missing:
        _wait(fd, select.POLLIN, deadline)
        try:
            chunk = os.read(fd, min(missing, 1 << 20))
        except BlockingIOError:
            continue
        if not chunk:
            raise EOFError("the sandbox closed its connection")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _wait(fd: int, event: int, deadline: float) -> None:
    """Return once `fd` is ready for `event` (or hung up); TimeoutError at the deadline."""
    os.set_blocking(fd, False)
    poller = select.poll()
    poller.register(fd, event)
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not poller.poll(remaining * 1000):
        raise TimeoutError
