"""Reading a term's submission folder into (student, exercise, source) items.

Intake only reads files: it never imports, runs or extracts student work to disk. One folder
may mix these layouts (entries of the top folder, read in sorted order):

    <student>/...                           a folder per student; nested folders allowed
    <student>.zip                           an archive per student; folders inside allowed
    <name>[_LATE]_<uid>_<sid>_<file>        Canvas bulk download, flat; student id = <uid>
    <Full Name>_<id>_assignsubmission_file_/...   Moodle, a folder per student; id = <id>
    <Full Name>_<id>_assignsubmission_file_<file> Moodle, flat download

Canvas: the name part is one or more `_`-separated words (display name: the words joined by
spaces); a `LATE`/`late` word anywhere before the original file name, except as the first
word, marks the submission late; exactly two numbers (user id, submission id) follow.

A file is graded for exercise E when its name is `E.py` or `E.ipynb` (case-insensitive), with
an optional re-submission suffix (`E-1.py`, `E-2.py`). Zip archives found anywhere in a
student's files (not inside another archive) are read in memory. Per student and exercise:
a `.py` beats an `.ipynb` (with a warning), then the highest re-submission number wins (a
note), then the shallowest path, then the first by name (a warning: several files).

Never silently ignored: every file not matched to an exercise, every symlink (not followed),
every rejected archive and every unreadable notebook is listed in `Intake.warnings`. Skipped
silently: hidden names (starting with `.`), `__pycache__`, `__MACOSX`, `Thumbs.db`,
`desktop.ini`. After 20 unmatched files in one student the rest are counted, not listed.

An archive is rejected whole (not graded, with a warning naming it and the reason) when it is
not a readable zip, or an entry has an absolute path, a `..` component, is a symlink, is
encrypted, or expands more than 100x past 1 MiB, or there are over 5000 entries, or the
entries total over `max_archive_mb` MiB (which also caps the zip itself and every file read).
Warnings and origins carry student-chosen names: render them as plain text, never as markup.
Lateness is known only from Canvas names; other layouts are never marked late.

Roster CSV (`--roster`): a header row; the id column is the first of `id`, `student_id`,
`login`, `email` present, the name column the first of `name`, `display_name`, `full_name`,
`student` (headers compared case-insensitively, spaces as `_`). Rows with an empty id are
skipped; a repeated id is an error. Submitters match roster ids exactly, or case-insensitively.
"""

from __future__ import annotations

import csv
import io
import re
import stat
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from grader.judge.notebook import NotebookError, extract_code

SKIPPED_NAMES = frozenset({"__pycache__", "__MACOSX", "Thumbs.db", "desktop.ini"})
ID_COLUMNS = ("id", "student_id", "login", "email")
NAME_COLUMNS = ("name", "display_name", "full_name", "student")
MAX_DEPTH = 8
MAX_UNMATCHED_LISTED = 20
MAX_ENTRIES = 5000
BOMB_RATIO = 100
BOMB_MIN_BYTES = 1 << 20
_EXERCISE_FILE = re.compile(r"^(?P<stem>.+?)(?:-(?P<n>\d+))?\.(?P<ext>py|ipynb)$", re.IGNORECASE)
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+(?:_(?P<rest>.*))?$")


@dataclass(frozen=True)
class SourceFile:
    exercise: str
    origin: str
    data: bytes
    late: bool = False
    notes: tuple[str, ...] = ()


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


class IntakeError(Exception):
    """The folder or the roster cannot be read at all (a problem of the run, not a student)."""


class ArchiveError(Exception):
    """A zip that is not graded; the message is the reason."""


@dataclass(frozen=True)
class ExerciseName:
    exercise: str
    resubmission: int
    notebook: bool


@dataclass(frozen=True)
class CanvasName:
    display_name: str
    user_id: str
    late: bool
    original: str


def read_submissions(
    folder: Path, exercise_ids: Sequence[str], roster: Path | None = None, max_archive_mb: int = 50
) -> Intake:
    """Every student's files for the given exercises, with warnings for all that was not used."""
    if not folder.is_dir():
        raise IntakeError(f"{folder} is not a folder")
    if max_archive_mb <= 0:
        raise IntakeError(f"max_archive_mb must be positive, not {max_archive_mb}")
    names = read_roster(roster) if roster is not None else None
    reader = _Reader(folder, tuple(exercise_ids), max_archive_mb)
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise IntakeError(f"{folder} cannot be listed ({exc.strerror})") from exc
    for path in entries:
        reader.read_entry(path)
    students = reader.students
    if names is not None:
        students = _apply_roster(students, names, reader.warnings)
    resolved = [_resolve(sid, students[sid], reader) for sid in sorted(students)]
    return Intake(tuple(resolved), tuple(reader.warnings))


def match_exercise(name: str, exercise_ids: Sequence[str]) -> ExerciseName | None:
    """`exercise3.ipynb` -> (exercise3, 0, notebook); `exercise2-2.py` -> (exercise2, 2, .py)."""
    found = _EXERCISE_FILE.match(name)
    if found is None:
        return None
    by_fold = {exercise.casefold(): exercise for exercise in exercise_ids}
    exercise = by_fold.get(found["stem"].casefold())
    if exercise is None:
        return None
    return ExerciseName(exercise, int(found["n"] or 0), found["ext"].lower() == "ipynb")


def parse_canvas_name(name: str) -> CanvasName | None:
    """`smith_jane_LATE_123_456_exercise2-1.py` -> ('smith jane', '123', late, 'exercise2-1.py')."""
    words = name.split("_")
    position, person, late = 0, [], False
    while position < len(words) and not _is_number(words[position]):
        if position > 0 and words[position].casefold() == "late":
            late = True
        else:
            person.append(words[position])
        position += 1
    numbers: list[str] = []
    while position < len(words) - 1 and len(numbers) < 2:
        if words[position].casefold() == "late":
            late = True
        elif _is_number(words[position]):
            numbers.append(words[position])
        else:
            break
        position += 1
    original = "_".join(words[position:])
    if not person or "" in person or len(numbers) != 2 or not original:
        return None
    return CanvasName(" ".join(person), numbers[0], late, original)


def read_roster(path: Path) -> dict[str, str]:
    """Roster ids mapped to display names ('' where the roster has no name column)."""
    try:
        rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        columns = {_column_key(name): name for name in rows.fieldnames or []}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise IntakeError(f"roster {path}: {exc}") from exc
    id_column = next((columns[key] for key in ID_COLUMNS if key in columns), None)
    name_column = next((columns[key] for key in NAME_COLUMNS if key in columns), None)
    if id_column is None:
        raise IntakeError(f"roster {path}: no id column (one of {', '.join(ID_COLUMNS)})")
    roster: dict[str, str] = {}
    for row in rows:
        student = (row.get(id_column) or "").strip()
        if not student:
            continue
        if student in roster:
            raise IntakeError(f"roster {path}: id {student!r} twice (line {rows.line_num})")
        roster[student] = (row.get(name_column) or "").strip() if name_column else ""
    return roster


def read_archive(
    path: Path, exercise_ids: Sequence[str], max_bytes: int
) -> list[tuple[str, ExerciseName | None, bytes]]:
    """(member name, exercise match, bytes) of every non-skipped file; ArchiveError if unsafe.

    Only matched members are read (in memory, capped); the others come back with no bytes.
    """
    if path.stat().st_size > max_bytes:
        raise ArchiveError(f"the archive is over the {max_bytes >> 20} MB limit")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            problem = archive_problem(infos, max_bytes)
            if problem:
                raise ArchiveError(problem)
            return [
                _read_member(archive, info, exercise_ids, max_bytes)
                for info in sorted(infos, key=lambda info: info.filename)
                if not info.is_dir() and not _skipped_path(info.filename)
            ]
    except ArchiveError:
        raise
    except Exception as exc:  # hostile input: any failure of zipfile means "unreadable"
        raise ArchiveError(f"not a readable zip ({type(exc).__name__}: {exc})") from None


def archive_problem(infos: Sequence[zipfile.ZipInfo], max_bytes: int) -> str:
    """Why these zip entries are unsafe to read, or '' when they are fine."""
    if len(infos) > MAX_ENTRIES:
        return f"more than {MAX_ENTRIES} entries"
    for info in infos:
        name = info.filename
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


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, exercise_ids: Sequence[str], max_bytes: int
) -> tuple[str, ExerciseName | None, bytes]:
    match = match_exercise(info.filename.rsplit("/", 1)[-1], exercise_ids)
    if match is None:
        return info.filename, None, b""
    with archive.open(info) as member:
        data = member.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ArchiveError(f"entry {info.filename!r} is larger than its header says")
    return info.filename, match, data


@dataclass(frozen=True)
class _Candidate:
    exercise: str
    origin: str
    data: bytes
    notebook: bool
    resubmission: int
    late: bool
    notes: tuple[str, ...]

    def rank(self) -> tuple[bool, int, int, str]:
        depth = self.origin.count("/") + self.origin.count(":")
        return self.notebook, -self.resubmission, depth, self.origin


@dataclass
class _Student:
    display_name: str
    submitted: bool = True
    late: bool = False
    unmatched: int = 0
    notes: list[str] = field(default_factory=list)
    candidates: list[_Candidate] = field(default_factory=list)


class _Reader:
    """One pass over a submissions folder: the students found so far, and the warnings."""

    def __init__(self, root: Path, exercise_ids: tuple[str, ...], max_archive_mb: int) -> None:
        self.root = root
        self.exercise_ids = exercise_ids
        self.max_bytes = max_archive_mb << 20
        self.students: dict[str, _Student] = {}
        self.warnings: list[str] = []

    def student(self, student: str, display_name: str) -> _Student:
        return self.students.setdefault(student, _Student(display_name))

    def origin(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def read_entry(self, path: Path) -> None:
        """One entry of the top folder: a student folder, a zip, a Canvas or Moodle file."""
        name, kind = path.name, self.kind(path)
        moodle, canvas = _MOODLE.match(name), parse_canvas_name(name)
        if kind == "skip":
            return
        if kind == "folder":
            student = moodle["id"] if moodle else name
            self.student(student, moodle["name"] if moodle else name)
            self.read_folder(path, student, 1)
        elif moodle and moodle["rest"]:
            self.student(moodle["id"], moodle["name"])
            self.read_file(path, moodle["id"], moodle["rest"], late=False)
        elif canvas is not None:
            self.student(canvas.user_id, canvas.display_name).late |= canvas.late
            self.read_file(path, canvas.user_id, canvas.original, late=canvas.late)
        elif name.lower().endswith(".zip"):
            self.student(name[:-4], name[:-4])
            self.read_archive(path, name[:-4], late=False)
        else:
            self.warnings.append(
                f"{name}: not in a student folder, nor a Canvas, Moodle or zip "
                "file name; not graded"
            )

    def kind(self, path: Path) -> Literal["file", "folder", "skip"]:
        """'file', 'folder' or 'skip' (after a warning for links and special files)."""
        if path.name.startswith(".") or path.name in SKIPPED_NAMES:
            return "skip"
        try:
            mode = path.lstat().st_mode
        except OSError as exc:
            self.warnings.append(f"{self.origin(path)}: cannot be read ({exc.strerror})")
            return "skip"
        if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
            return "file" if stat.S_ISREG(mode) else "folder"
        what = "a symbolic link, not followed" if stat.S_ISLNK(mode) else "not a regular file"
        self.warnings.append(f"{self.origin(path)}: {what}; not graded")
        return "skip"

    def read_folder(self, folder: Path, student: str, depth: int) -> None:
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            self.warnings.append(f"{self.origin(folder)}: cannot be listed ({exc.strerror})")
            return
        for path in entries:
            kind = self.kind(path)
            if kind == "file":
                self.read_file(path, student, path.name, late=False)
            elif kind == "folder" and depth >= MAX_DEPTH:
                self.warnings.append(f"{self.origin(path)}: nested too deep; not read")
            elif kind == "folder":
                self.read_folder(path, student, depth + 1)

    def read_file(self, path: Path, student: str, name: str, late: bool) -> None:
        """A file of `student`, matched on `name` (for Canvas, the original file name)."""
        if name.startswith(".") or name in SKIPPED_NAMES:
            return
        if name.lower().endswith(".zip"):
            self.read_archive(path, student, late)
            return
        match = match_exercise(name, self.exercise_ids)
        if match is None:
            self.unmatched(student, self.origin(path))
            return
        try:
            with path.open("rb") as handle:
                data = handle.read(self.max_bytes + 1)
        except OSError as exc:
            self.warnings.append(f"{self.origin(path)}: cannot be read ({exc.strerror})")
            return
        if len(data) > self.max_bytes:
            self.warnings.append(f"{self.origin(path)}: over {self.max_bytes >> 20} MB; not graded")
            return
        self.add(student, match, self.origin(path), data, late)

    def read_archive(self, path: Path, student: str, late: bool) -> None:
        origin = self.origin(path)
        try:
            members = read_archive(path, self.exercise_ids, self.max_bytes)
        except (ArchiveError, OSError) as exc:
            self.warnings.append(f"{origin}: archive not graded: {exc}")
            self.students[student].notes.append(f"archive {origin} not graded: {exc}")
            return
        for name, match, data in members:
            if match is None:
                inner = name.lower().endswith(".zip")
                nested = " (archives inside archives are not opened)" if inner else ""
                self.unmatched(student, f"{origin}:{name}", nested)
            else:
                self.add(student, match, f"{origin}:{name}", data, late)

    def add(self, student: str, match: ExerciseName, origin: str, data: bytes, late: bool) -> None:
        notes: tuple[str, ...] = ()
        if match.notebook:
            try:
                code, found = extract_code(data)
            except NotebookError as exc:
                self.warnings.append(f"{origin}: {exc}; not graded")
                self.students[student].notes.append(f"{origin}: {exc}")
                return
            data, notes = code.encode("utf-8"), tuple(found)
        self.students[student].candidates.append(
            _Candidate(
                match.exercise, origin, data, match.notebook, match.resubmission, late, notes
            )
        )

    def unmatched(self, student: str, origin: str, why: str = "") -> None:
        record = self.students[student]
        record.unmatched += 1
        if record.unmatched <= MAX_UNMATCHED_LISTED:
            self.warnings.append(f"{origin}: not matched to an exercise{why}; not graded")


def _resolve(student: str, record: _Student, reader: _Reader) -> StudentSubmission:
    files = []
    for exercise in reader.exercise_ids:
        group = sorted(
            (c for c in record.candidates if c.exercise == exercise), key=_Candidate.rank
        )
        if group:
            files.append(_choose(student, group, reader.warnings))
    notes = list(record.notes)
    if record.unmatched > MAX_UNMATCHED_LISTED:
        hidden = record.unmatched - MAX_UNMATCHED_LISTED
        reader.warnings.append(f"{student}: {hidden} more unmatched files, not listed")
    if not record.submitted:
        notes.append("no submission")
    elif not files:
        notes.append("no gradable file found")
    late = record.late or any(source.late for source in files)
    return StudentSubmission(student, record.display_name, tuple(files), late, tuple(notes))


def _choose(student: str, ranked: list[_Candidate], warnings: list[str]) -> SourceFile:
    """The graded file among one student's candidates for one exercise (sorted by rank)."""
    chosen, rest = ranked[0], ranked[1:]
    notes = list(chosen.notes)
    older = [
        c for c in rest if c.notebook == chosen.notebook and c.resubmission < chosen.resubmission
    ]
    if chosen.resubmission:
        notes.append(f"re-submission -{chosen.resubmission} used; {len(older)} older ignored")
    notebooks = [c.origin for c in rest if c.notebook and not chosen.notebook]
    if notebooks:
        warnings.append(
            f"{student}: {chosen.exercise}: both .py and .ipynb; graded "
            f"{chosen.origin}, ignored {', '.join(notebooks)}"
        )
    same = [
        c.origin
        for c in rest
        if c.notebook == chosen.notebook and c.resubmission == chosen.resubmission
    ]
    if same:
        warnings.append(
            f"{student}: {chosen.exercise}: several files; graded {chosen.origin}, "
            f"ignored {', '.join(same)}"
        )
    return SourceFile(chosen.exercise, chosen.origin, chosen.data, chosen.late, tuple(notes))


def _apply_roster(
    students: dict[str, _Student], roster: dict[str, str], warnings: list[str]
) -> dict[str, _Student]:
    """Submitters renamed to roster ids (merged when two match one id), plus absent students."""
    by_fold = {student.casefold(): student for student in roster}
    merged: dict[str, _Student] = {}
    for student in sorted(students):
        record = students[student]
        known = student if student in roster else by_fold.get(student.casefold())
        if known is None:
            warnings.append(f"{student} ({record.display_name}): submitted but not on the roster")
            record.notes.append("not on the roster")
            merged[student] = record
            continue
        record.display_name = roster[known] or record.display_name
        if known in merged:
            _merge(merged[known], record)
        else:
            merged[known] = record
    for student, name in roster.items():
        merged.setdefault(student, _Student(name or student, submitted=False))
    return merged


def _merge(into: _Student, other: _Student) -> None:
    into.late |= other.late
    into.unmatched += other.unmatched
    into.notes.extend(other.notes)
    into.candidates.extend(other.candidates)


def _skipped_path(name: str) -> bool:
    return any(part.startswith(".") or part in SKIPPED_NAMES for part in name.split("/") if part)


def _is_number(word: str) -> bool:
    return word.isascii() and word.isdigit()


def _column_key(header: str) -> str:
    return re.sub(r"[\s-]+", "_", header.strip().casefold())
