"""Frames on the judge's end: multiprocessing's framing, every byte against a deadline.

No sandbox: a socket pair, with multiprocessing.Connection (what the jail speaks) or raw bytes
(what a hostile jail may write) on the other end.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection

import pytest

from grader.wire.frames import receive_frame, send_frame
from grader.wire.protocol import ProtocolError

LIMIT = 1 << 20


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    judge, jail = socket.socketpair()
    with judge, jail:
        yield judge, jail


def soon(seconds: float = 5.0) -> float:
    return time.monotonic() + seconds


@pytest.mark.parametrize("size", [0, 1, 4, 65536, LIMIT])
def test_a_frame_the_jail_sends_is_read_whole(
    pair: tuple[socket.socket, socket.socket], size: int
) -> None:
    judge, jail = pair
    payload = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    writer = threading.Thread(target=Connection(jail.detach()).send_bytes, args=(payload,))
    writer.start()
    assert receive_frame(judge.fileno(), soon(), LIMIT) == payload
    writer.join()


def test_a_frame_the_judge_sends_is_what_the_jail_reads(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    judge, jail = pair
    payload = b"request " * 40000  # larger than a socket buffer: written in several pieces
    reader = Connection(jail.detach())
    received: list[bytes] = []
    thread = threading.Thread(target=lambda: received.append(reader.recv_bytes()))
    thread.start()
    send_frame(judge.fileno(), payload, soon())
    thread.join(timeout=10)
    assert received == [payload]


def test_the_length_is_a_signed_big_endian_prefix(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    judge, jail = pair
    send_frame(judge.fileno(), b"abc", soon())
    assert jail.recv(16) == b"\x00\x00\x00\x03abc"


def test_the_long_form_length_is_read(pair: tuple[socket.socket, socket.socket]) -> None:
    judge, jail = pair
    jail.sendall(struct.pack("!i", -1) + struct.pack("!Q", 5) + b"hello")
    assert receive_frame(judge.fileno(), soon(), LIMIT) == b"hello"


def test_the_limit_is_exact(pair: tuple[socket.socket, socket.socket]) -> None:
    judge, jail = pair
    jail.sendall(struct.pack("!i", 10) + b"0123456789")
    assert receive_frame(judge.fileno(), soon(), 10) == b"0123456789"
    jail.sendall(struct.pack("!i", 11))  # no body: it must not be waited for
    with pytest.raises(ProtocolError, match="^larger than allowed$"):
        receive_frame(judge.fileno(), soon(), 10)


def test_a_one_byte_frame_over_a_zero_limit_is_larger_than_allowed(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    judge, jail = pair
    jail.sendall(struct.pack("!i", 0) + struct.pack("!i", 1))
    assert receive_frame(judge.fileno(), soon(), 0) == b""
    with pytest.raises(ProtocolError, match="^larger than allowed$"):
        receive_frame(judge.fileno(), soon(), 0)


def test_a_long_form_length_over_the_limit_is_refused_unread(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    judge, jail = pair
    jail.sendall(struct.pack("!i", -1) + struct.pack("!Q", LIMIT + 1))
    with pytest.raises(ProtocolError, match="larger than allowed"):
        receive_frame(judge.fileno(), soon(), LIMIT)


@pytest.mark.parametrize("size", [-2, -(2**31)])
def test_a_negative_length_is_refused(pair: tuple[socket.socket, socket.socket], size: int) -> None:
    judge, jail = pair
    jail.sendall(struct.pack("!i", size))
    with pytest.raises(ProtocolError, match="^of a negative length$"):
        receive_frame(judge.fileno(), soon(), LIMIT)


@pytest.mark.parametrize(
    "sent", [b"", b"\x00\x00", b"\x00\x00\x00\x08abc", b"\xff\xff\xff\xff\x00"]
)
def test_a_peer_that_hangs_up_mid_frame_is_eof(
    pair: tuple[socket.socket, socket.socket], sent: bytes
) -> None:
    judge, jail = pair
    jail.sendall(sent)
    jail.close()
    with pytest.raises(EOFError, match="^the sandbox closed its connection$"):
        receive_frame(judge.fileno(), soon(), LIMIT)


@pytest.mark.parametrize("sent", [b"", b"\x00\x00", b"\x00\x00\x00\x08abc"])
def test_a_stalled_frame_times_out_at_its_deadline(
    pair: tuple[socket.socket, socket.socket], sent: bytes
) -> None:
    judge, jail = pair
    jail.sendall(sent)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        receive_frame(judge.fileno(), started + 0.3, LIMIT)
    assert 0.25 <= time.monotonic() - started < 3


def test_a_deadline_already_past_is_a_timeout_even_with_bytes_waiting(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    judge, jail = pair
    jail.sendall(b"\x00\x00\x00\x01x")
    with pytest.raises(TimeoutError):
        receive_frame(judge.fileno(), time.monotonic() - 1, LIMIT)


def test_a_peer_that_stops_reading_cannot_block_the_sender(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    judge, _ = pair
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        send_frame(judge.fileno(), b"x" * (8 << 20), started + 0.3)
    assert time.monotonic() - started < 3
