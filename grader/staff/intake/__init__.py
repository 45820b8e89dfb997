"""Reading a term's submission folder into (student, exercise, source) items.

One folder may mix these layouts (entries of the top folder, read in sorted order):

    <student>/...                           a folder per student; nested folders allowed
    <student>.zip                           an archive per student; folders inside allowed
    <name>[_LATE]_<uid>_<sid>_<file>        Canvas bulk download, flat; student id = <uid>
    <Full Name>_<id>_assignsubmission_file_/...   Moodle, a folder per student; id = <id>
    <Full Name>_<id>_assignsubmission_file_<file> Moodle, flat download

One module per concern: `names` (which file names are an exercise's source), `canvas` and
`moodle` (their layouts: the student comes only from the part of the name the LMS wrote),
`archives` and `blobs` (zips listed, never extracted; bytes read only when graded), `reader`
(the pass over the folder and its warnings), `choice` (one source and one file per student and
exercise), `roster` (ids, names, chosen sources). Lateness is known only from Canvas names;
other layouts are never marked late.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.outputs.text import skeleton
from grader.staff.intake.archives import Member, read_archive
from grader.staff.intake.blobs import ArchiveError, Blob, archive_problem
from grader.staff.intake.canvas import CanvasName, parse_canvas_name
from grader.staff.intake.choice import resolve
from grader.staff.intake.model import (
    SOURCE_KINDS,
    Intake,
    IntakeError,
    SourceFile,
    SourceKind,
    StudentSubmission,
)
from grader.staff.intake.names import ExerciseName, match_exercise, match_source
from grader.staff.intake.reader import Reader
from grader.staff.intake.roster import (
    Roster,
    apply_roster,
    chosen_sources,
    read_roster,
    read_roster_file,
)

__all__ = [
    "SOURCE_KINDS",
    "ArchiveError",
    "Blob",
    "CanvasName",
    "ExerciseName",
    "Intake",
    "IntakeError",
    "Member",
    "Roster",
    "SourceFile",
    "SourceKind",
    "StudentSubmission",
    "archive_problem",
    "match_exercise",
    "match_source",
    "parse_canvas_name",
    "read_archive",
    "read_roster",
    "read_roster_file",
    "read_submissions",
]


def read_submissions(
    folder: Path,
    exercise_ids: Sequence[str],
    roster: Path | None = None,
    max_archive_mb: int = 50,
    sources: Mapping[str, str] | None = None,
    lazy: bool = False,
    single: bool = False,
) -> Intake:
    """Every student's files for the given exercises, with warnings for all that was not used.

    `sources` maps a student id to the kind of source to grade when several feed it. With
    `single` (exactly one exercise id: an LMS download of one assignment), each student's
    `.py` or `.ipynb` files, whatever their names, are that exercise's candidates. Only the
    chosen files are read, after every candidate is known; with `lazy` none is (each
    `SourceFile` holds a `Blob` to read when it is graded: what a batch does).
    """
    if not folder.is_dir():
        raise IntakeError(f"{folder} is not a folder")
    if max_archive_mb <= 0:
        raise IntakeError(f"max_archive_mb must be positive, not {max_archive_mb}")
    if single and len(exercise_ids) != 1:
        raise IntakeError(f"a one-exercise intake needs one exercise id, not {len(exercise_ids)}")
    listed = read_roster_file(roster) if roster is not None else None
    chosen = {**(listed.sources if listed else {}), **chosen_sources(sources or {})}
    reader = Reader(folder, tuple(exercise_ids), max_archive_mb, lazy, single)
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise IntakeError(f"{folder} cannot be listed ({exc.strerror})") from exc
    for path in entries:
        reader.read_entry(path)
    students = reader.students
    if listed is not None:
        students = apply_roster(students, listed.names, reader.warnings)
    resolved = [
        resolve(sid, students[sid], reader, chosen.get(sid, "")) for sid in sorted(students)
    ]
    return Intake(tuple(resolved), tuple(reader.warnings + look_alike(sorted(students))))


def look_alike(students: Sequence[str]) -> list[str]:
    """A warning for each group of different student ids that look alike on a screen (they
    differ only in case, width or invisible characters): each stays its own student."""
    groups: dict[str, list[str]] = {}
    for student in students:
        groups.setdefault(skeleton(student), []).append(student)
    return [
        f"{len(ids)} student ids look alike and are graded as different students: "
        + ", ".join(repr(sid) for sid in ids)
        for ids in groups.values()
        if len(ids) > 1
    ]
