"""Zip archives in a submissions folder: listed without being extracted.

Zip archives found anywhere in a student's files (not inside another archive) are opened. An
archive is rejected whole (not graded, with a warning naming it and the reason) when it is not
a readable zip or fails `grader.staff.intake.blobs.archive_problem`; the zip itself is capped
at the per-student size limit too. A matched member is read through once, in chunks, to
check its CRC and size, and kept as a `Blob` to read when it is graded.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.outputs.text import normalise
from grader.staff.intake.blobs import ArchiveError, Blob, archive_problem
from grader.staff.intake.names import ExerciseName, skipped_path

Matcher = Callable[[str], ExerciseName | None]


@dataclass(frozen=True)
class Member:
    """A zip entry that intake will grade or list: its normalised name and where it is."""

    name: str
    match: ExerciseName | None
    blob: Blob | None


def read_archive(path: Path, match: Matcher, max_bytes: int) -> list[Member]:
    """Every non-skipped file of a zip (names normalised); ArchiveError if the zip is unsafe.

    `match` says which member names are sources (`grader.staff.intake.names`). Nothing is
    read: a matched member comes back as a `Blob` to read when it is graded.
    """
    if path.stat().st_size > max_bytes:
        raise ArchiveError(f"the archive is over the {max_bytes >> 20} MB limit")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except Exception as exc:  # hostile input: any failure of zipfile means "unreadable"
        raise ArchiveError(f"not a readable zip ({type(exc).__name__}: {exc})") from None
    problem = archive_problem(infos, max_bytes)
    if problem:
        raise ArchiveError(problem)
    members = []
    for index, info in sorted(enumerate(infos), key=lambda item: item[1].filename):
        name = normalise(info.filename)
        if info.is_dir() or skipped_path(name):
            continue
        found = match(name.rsplit("/", 1)[-1])
        blob = None
        if found is not None:
            _verify_member(path, info, max_bytes)
            blob = Blob(str(path), index, info.file_size, max_bytes, found.notebook)
        members.append(Member(name, found, blob))
    return members


def _verify_member(path: Path, info: zipfile.ZipInfo, max_bytes: int) -> None:
    """Read a member through once, in 1 MiB chunks kept by nobody: its CRC and its size
    must be what the header says (a lying header rejects the archive now, not when graded)."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(info) as member:
            total = 0
            while chunk := member.read(1 << 20):
                total += len(chunk)
                if total > min(max_bytes, info.file_size):
                    raise ArchiveError(
                        f"entry {normalise(info.filename)!r} is larger than its header says"
                    )
    except ArchiveError:
        raise
    except Exception as exc:  # hostile input: any failure of zipfile means "unreadable"
        raise ArchiveError(f"not a readable zip ({type(exc).__name__}: {exc})") from None
