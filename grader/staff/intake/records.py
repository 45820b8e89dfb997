"""What intake keeps about each student while it scans: candidates, sources, notes."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.staff.intake.blobs import Blob


@dataclass(frozen=True)
class Candidate:
    """A file that could be graded for one exercise, and what ranks it among its rivals."""

    exercise: str
    origin: str
    blob: Blob
    notebook: bool
    resubmission: int
    late: bool
    notes: tuple[str, ...]
    source: str
    canvas_submission: int = -1
    named: bool = True

    def depth(self) -> int:
        return self.origin.count("/") + self.origin.count(":")

    def rank(self) -> tuple[bool, int, int, int, str]:
        """Among files named for the exercise: a .py first, then the latest Canvas
        submission, the highest re-submission number, the shallowest path, the first name."""
        return self.notebook, -self.canvas_submission, -self.resubmission, self.depth(), self.origin


@dataclass
class StudentRecord:
    display_name: str
    submitted: bool = True
    late: bool = False
    unmatched: int = 0
    notes: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (kind, label)

    def merge(self, other: StudentRecord) -> None:
        """Take `other`'s files, notes and sources (two submitters matched one roster id)."""
        self.late |= other.late
        self.unmatched += other.unmatched
        self.notes.extend(other.notes)
        self.candidates.extend(other.candidates)
        self.sources.update(other.sources)


@dataclass(frozen=True)
class Origin:
    """Who a file belongs to and through which source; `canvas` is the submission id."""

    student: str
    source: str
    late: bool = False
    canvas: int = -1
