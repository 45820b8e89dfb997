"""What intake hands to a batch: each student's chosen files, and every warning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from grader.staff.intake.blobs import Blob

SOURCE_KINDS = ("folder", "zip", "canvas", "moodle")
SourceKind = Literal["folder", "zip", "canvas", "moodle"]


class IntakeError(Exception):
    """The folder or the roster cannot be read at all (a problem of the run, not a student)."""


@dataclass(frozen=True)
class SourceFile:
    """One file to grade: its bytes (`data`), or with `lazy` intake only where they are
    (`blob`, `data` empty); `read()` gives the bytes either way."""

    exercise: str
    origin: str
    data: bytes
    late: bool = False
    notes: tuple[str, ...] = ()
    blob: Blob | None = None

    def read(self) -> bytes:
        """The bytes to grade (a lazy file is read now, and not kept)."""
        return self.data if self.blob is None else self.blob.read()


@dataclass(frozen=True)
class StudentSubmission:
    student: str
    display_name: str
    files: tuple[SourceFile, ...]
    late: bool
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Intake:
    students: tuple[StudentSubmission, ...]
    warnings: tuple[str, ...]
