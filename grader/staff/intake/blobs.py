"""Where a gradable file's bytes are, and the rules for reading them safely.

A `Blob` names a file or a zip entry and its size; it is read only when the file is graded.
An archive is unsafe, and rejected whole, when an entry has an absolute path, a `..`
component, is a symlink, is encrypted, or expands more than 100x past 1 MiB, or there are
over 5000 entries, or the entries total over the size limit (`archive_problem`).
"""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from grader.judge.notebook import NotebookError, extract_code
from grader.outputs.text import normalise

MAX_ENTRIES = 5000
BOMB_RATIO = 100
BOMB_MIN_BYTES = 1 << 20


class ArchiveError(Exception):
    """A zip that is not graded; the message is the reason."""


@dataclass(frozen=True)
class Blob:
    """Where a gradable file's bytes are; read when graded (`read`), never held by intake.

    `path` is the file or the archive, `member` the index of the zip entry (-1: a plain
    file), `size` what the file system or the zip header says, `limit` the most bytes read.
    A notebook reads as its extracted code.
    """

    path: str
    member: int = -1
    size: int = 0
    limit: int = 50 << 20
    notebook: bool = False

    def read(self) -> bytes:
        """The bytes to grade. Raises OSError or ArchiveError when they cannot be read."""
        if self.member < 0:
            with open(self.path, "rb") as handle:
                data = handle.read(self.limit + 1)
        else:
            data = self._read_member()
        if len(data) > self.limit:
            raise ArchiveError(f"over {self.limit >> 20} MB")
        if not self.notebook:
            return data
        try:
            return extract_code(data)[0].encode("utf-8")
        except NotebookError as exc:  # it changed since intake read it
            raise ArchiveError(str(exc)) from None

    def _read_member(self) -> bytes:
        try:
            with zipfile.ZipFile(self.path) as archive:
                info = archive.infolist()[self.member]
                if info.file_size > self.limit or archive_problem([info], self.limit):
                    raise ArchiveError("the archive changed since intake")
                with archive.open(info) as member:
                    return member.read(self.limit + 1)
        except (ArchiveError, OSError):
            raise
        except Exception as exc:  # hostile input: any failure of zipfile means "unreadable"
            raise ArchiveError(f"not a readable zip ({type(exc).__name__})") from None


def archive_problem(infos: Sequence[zipfile.ZipInfo], max_bytes: int) -> str:
    """Why these zip entries are unsafe to read, or '' when they are fine."""
    if len(infos) > MAX_ENTRIES:
        return f"more than {MAX_ENTRIES} entries"
    for info in infos:
        name = normalise(info.filename)
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
            return f"entry {name!r} has an absolute path"
        if ".." in re.split(r"[/\\]", name):
            return f"entry {name!r} has a '..' component"
        if stat.S_ISLNK(info.external_attr >> 16):
            return f"entry {name!r} is a symbolic link"
        if info.flag_bits & 0x1:
            return f"entry {name!r} is encrypted"
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > BOMB_MIN_BYTES and ratio > BOMB_RATIO:
            return f"entry {name!r} expands {ratio:.0f}x (compression bomb)"
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        return f"entries total {total / (1 << 20):.1f} MB uncompressed, over the limit"
    return ""
