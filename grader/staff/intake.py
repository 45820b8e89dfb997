"""Reading a term's submission folder into (student, exercise, source) items.

Intake only reads files: it never imports, runs or extracts student work to disk. One folder
may mix these layouts (entries of the top folder, read in sorted order):

    <student>/...                           a folder per student; nested folders allowed
    <student>.zip                           an archive per student; folders inside allowed
    <name>[_LATE]_<uid>_<sid>_<file>        Canvas bulk download, flat; student id = <uid>
    <Full Name>_<id>_assignsubmission_file_/...   Moodle, a folder per student; id = <id>
    <Full Name>_<id>_assignsubmission_file_<file> Moodle, flat download

Names are student text. Every file, folder and zip member name is normalised once, here
(`grader.outputs.text.from_os`: undecodable bytes become U+FFFD, lone surrogates dropped,
NFC); ids, origins and warnings carry the normalised form and are data, never markup.

Canvas: the name part is one or more `_`-separated words (display name: the words joined by
spaces); a `LATE`/`late` word anywhere before the original file name, except as the first
word, marks the submission late; exactly two numbers (user id, submission id) follow. The
original file name after them is the student's text: it is matched to an exercise and never
parsed for an id or a re-submission number; among one user's files the highest submission id
(written by Canvas) wins. Moodle: the id is read from the right-hand end the LMS wrote
(`_<id>_assignsubmission_<plugin>_`), so a display name that contains such a marker cannot
file the folder under another id (a warning names it); a flat Moodle file name with two
markers is ambiguous and not graded. A Moodle folder whose name starts with a dot is graded
with a warning (it is hidden on most systems).

A file is graded for exercise E when its name is `E.py` or `E.ipynb` (case-insensitive), with
an optional re-submission suffix (`E-1.py`, `E-2.py`). Zip archives found anywhere in a
student's files (not inside another archive) are opened. Per student and exercise: a `.py`
beats an `.ipynb` (with a warning), then the latest Canvas submission or the highest
re-submission number wins (a note), then the shallowest path, then the first by name (a
warning: several files).

Sources: a student folder, a zip, one Canvas user's files and one Moodle participant's
folders and files are each one source. When two sources feed one id (a folder named like a
Canvas user id, `alice/` and `alice.zip`, two folders whose names differ only in Unicode
normalisation or undecodable bytes, two submitters matching one roster id), nothing of that
id is graded and a warning lists the sources; staff choose one by its kind (`folder`, `zip`,
`canvas`, `moodle`) with `sources={id: kind}` (`grade batch --source ID=KIND`) or a `source`
column in the roster, or rename what is wrong on disk.

Memory: while it scans, intake holds no file contents. A gradable file or archive member is
recorded as a `Blob` (where it is, its size; a matched zip member is read through once, in
chunks, to check its CRC and size); only the chosen files are read, and with `lazy` (what a
batch uses) not even those: the judge reads each when it grades it (`SourceFile.read`). Per
student, the chosen files may total `max_archive_mb` MiB; past that budget the rest are not
graded, with a warning.

Never silently ignored: every file not matched to an exercise, every symlink (not followed),
every rejected archive and every unreadable notebook is listed in `Intake.warnings`. Skipped
silently: hidden names (starting with `.`), `__pycache__`, `__MACOSX`, `Thumbs.db`,
`desktop.ini`. After 20 unmatched files in one student the rest are counted, not listed.

An archive is rejected whole (not graded, with a warning naming it and the reason) when it is
not a readable zip, or an entry has an absolute path, a `..` component, is a symlink, is
encrypted, or expands more than 100x past 1 MiB, or there are over 5000 entries, or the
entries total over `max_archive_mb` MiB (which also caps the zip itself and every file read).
Lateness is known only from Canvas names; other layouts are never marked late.

Roster CSV (`--roster`): a header row; the id column is the first of `id`, `student_id`,
`login`, `email` present, the name column the first of `name`, `display_name`, `full_name`,
`student` (headers compared case-insensitively, spaces as `_`); an optional `source` column
chooses a source kind for that id. Ids are normalised like names (NFC); rows with an empty
id are skipped; a repeated id is an error. Submitters match roster ids exactly, or
case-insensitively when that names exactly one roster id (otherwise a warning).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import stat
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from grader.judge.notebook import NotebookError, extract_code
from grader.outputs.text import from_os, normalise

SKIPPED_NAMES = frozenset({"__pycache__", "__MACOSX", "Thumbs.db", "desktop.ini"})
ID_COLUMNS = ("id", "student_id", "login", "email")
NAME_COLUMNS = ("name", "display_name", "full_name", "student")
SOURCE_KINDS = ("folder", "zip", "canvas", "moodle")
MAX_DEPTH = 8
MAX_UNMATCHED_LISTED = 20
MAX_ENTRIES = 5000
BOMB_RATIO = 100
BOMB_MIN_BYTES = 1 << 20
_EXERCISE_FILE = re.compile(r"^(?P<stem>.+?)(?:-(?P<n>\d+))?\.(?P<ext>py|ipynb)$", re.IGNORECASE)
_MOODLE_FOLDER = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_[a-z]+_?$")
_MOODLE_FILE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_(?P<rest>.+)$")
_MOODLE_MARK = re.compile(r"_\d+_assignsubmission_[a-z]+_")

SourceKind = Literal["folder", "zip", "canvas", "moodle"]


class IntakeError(Exception):
    """The folder or the roster cannot be read at all (a problem of the run, not a student)."""


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
    submission_id: str = ""


@dataclass(frozen=True)
class Roster:
    """Roster ids (normalised) mapped to display names, and the sources staff chose."""

    names: dict[str, str]
    sources: dict[str, str]


def read_submissions(
    folder: Path,
    exercise_ids: Sequence[str],
    roster: Path | None = None,
    max_archive_mb: int = 50,
    sources: Mapping[str, str] | None = None,
    lazy: bool = False,
) -> Intake:
    """Every student's files for the given exercises, with warnings for all that was not used.

    `sources` maps a student id to the kind of source to grade when several feed it. Only
    the chosen files are read, after every candidate is known; with `lazy` none is (each
    `SourceFile` holds a `Blob` to read when it is graded: what a batch does).
    """
    if not folder.is_dir():
        raise IntakeError(f"{folder} is not a folder")
    if max_archive_mb <= 0:
        raise IntakeError(f"max_archive_mb must be positive, not {max_archive_mb}")
    listed = read_roster_file(roster) if roster is not None else None
    chosen = {**(listed.sources if listed else {}), **_chosen_sources(sources or {})}
    reader = _Reader(folder, tuple(exercise_ids), max_archive_mb, lazy)
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise IntakeError(f"{folder} cannot be listed ({exc.strerror})") from exc
    for path in entries:
        reader.read_entry(path)
    students = reader.students
    if listed is not None:
        students = _apply_roster(students, listed.names, reader.warnings)
    resolved = [
        _resolve(sid, students[sid], reader, chosen.get(sid, "")) for sid in sorted(students)
    ]
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
    return CanvasName(" ".join(person), numbers[0], late, original, numbers[1])


def read_roster(path: Path) -> dict[str, str]:
    """Roster ids mapped to display names ('' where the roster has no name column)."""
    return read_roster_file(path).names


def read_roster_file(path: Path) -> Roster:
    """The roster: ids (NFC, stripped) to names, and the `source` column where it has one."""
    try:
        rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        columns = {_column_key(name): name for name in rows.fieldnames or []}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise IntakeError(f"roster {path}: {exc}") from exc
    id_column = next((columns[key] for key in ID_COLUMNS if key in columns), None)
    name_column = next((columns[key] for key in NAME_COLUMNS if key in columns), None)
    source_column = columns.get("source")
    if id_column is None:
        raise IntakeError(f"roster {path}: no id column (one of {', '.join(ID_COLUMNS)})")
    names: dict[str, str] = {}
    sources: dict[str, str] = {}
    for row in rows:
        student = normalise((row.get(id_column) or "").strip())
        if not student:
            continue
        if student in names:
            raise IntakeError(f"roster {path}: id {student!r} twice (line {rows.line_num})")
        names[student] = normalise((row.get(name_column) or "").strip()) if name_column else ""
        kind = (row.get(source_column) or "").strip().lower() if source_column else ""
        if kind and kind not in SOURCE_KINDS:
            raise IntakeError(
                f"roster {path}: source {kind!r} (line {rows.line_num}) is not one of "
                f"{', '.join(SOURCE_KINDS)}"
            )
        if kind:
            sources[student] = kind
    return Roster(names, sources)


def _chosen_sources(sources: Mapping[str, str]) -> dict[str, str]:
    chosen = {}
    for student, kind in sources.items():
        if kind not in SOURCE_KINDS:
            raise IntakeError(f"source {kind!r} for {student!r} is not one of {SOURCE_KINDS}")
        chosen[normalise(student)] = kind
    return chosen


@dataclass(frozen=True)
class Member:
    """A zip entry that intake will grade or list: its normalised name and where it is."""

    name: str
    match: ExerciseName | None
    blob: Blob | None


def read_archive(path: Path, exercise_ids: Sequence[str], max_bytes: int) -> list[Member]:
    """Every non-skipped file of a zip (names normalised); ArchiveError if the zip is unsafe.

    Nothing is read: a matched member comes back as a `Blob` to read when it is graded.
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
        if info.is_dir() or _skipped_path(name):
            continue
        match = match_exercise(name.rsplit("/", 1)[-1], exercise_ids)
        blob = None
        if match is not None:
            _verify_member(path, info, max_bytes)
            blob = Blob(str(path), index, info.file_size, max_bytes, match.notebook)
        members.append(Member(name, match, blob))
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


@dataclass(frozen=True)
class _Candidate:
    exercise: str
    origin: str
    blob: Blob
    notebook: bool
    resubmission: int
    late: bool
    notes: tuple[str, ...]
    source: str
    canvas_submission: int = -1

    def rank(self) -> tuple[bool, int, int, int, str]:
        depth = self.origin.count("/") + self.origin.count(":")
        return self.notebook, -self.canvas_submission, -self.resubmission, depth, self.origin


@dataclass
class _Student:
    display_name: str
    submitted: bool = True
    late: bool = False
    unmatched: int = 0
    notes: list[str] = field(default_factory=list)
    candidates: list[_Candidate] = field(default_factory=list)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (kind, label)


@dataclass(frozen=True)
class _Origin:
    """Who a file belongs to and through which source; `canvas` is the submission id."""

    student: str
    source: str
    late: bool = False
    canvas: int = -1


class _Reader:
    """One pass over a submissions folder: the students found so far, and the warnings."""

    def __init__(
        self, root: Path, exercise_ids: tuple[str, ...], max_archive_mb: int, lazy: bool
    ) -> None:
        self.root = root
        self.lazy = lazy
        self.exercise_ids = exercise_ids
        self.max_bytes = max_archive_mb << 20
        self.students: dict[str, _Student] = {}
        self.warnings: list[str] = []

    def student(self, student: str, display_name: str, kind: str, key: str, label: str) -> str:
        """Register `student` as fed by one more source; returns the source's key."""
        record = self.students.setdefault(student, _Student(display_name))
        if f"{kind}:{key}" not in record.sources:
            if any(label == seen for _, seen in record.sources.values()):
                label += " (spelt differently on disk)"
            record.sources[f"{kind}:{key}"] = (kind, label)
        return f"{kind}:{key}"

    def origin(self, path: Path) -> str:
        return from_os(path.relative_to(self.root).as_posix())

    def read_entry(self, path: Path) -> None:
        """One entry of the top folder: a student folder, a zip, a Canvas or Moodle file."""
        name = from_os(path.name)
        hidden = name.startswith(".") and not name.startswith("._")
        kind = self.kind(path, allow_hidden=hidden and self.lms_name(path, name))
        if kind == "skip":
            return
        if hidden:
            self.warnings.append(
                f"{name}: the name starts with a dot (hidden on most systems); graded"
            )
        if kind == "folder":
            self.read_student_folder(path, name)
            return
        moodle, canvas = _MOODLE_FILE.match(name), parse_canvas_name(name)
        if moodle is not None:
            if len(_MOODLE_MARK.findall(name)) > 1:
                self.warnings.append(
                    f"{name}: two Moodle ids in one file name (one is in the display name "
                    "or the file name); not graded"
                )
                return
            sid = moodle["id"]
            label = f"Moodle {moodle['name']} ({sid})"
            key = self.student(sid, moodle["name"], "moodle", f"{moodle['name']}_{sid}", label)
            self.read_file(path, _Origin(sid, key), moodle["rest"])
        elif canvas is not None:
            uid = canvas.user_id
            key = self.student(uid, canvas.display_name, "canvas", uid, f"Canvas user {uid}")
            self.students[uid].late |= canvas.late
            origin = _Origin(uid, key, canvas.late, int(canvas.submission_id))
            self.read_file(path, origin, canvas.original)
        elif name.lower().endswith(".zip"):
            student = name[:-4]
            key = self.student(student, student, "zip", path.name, f"zip {name}")
            self.read_archive(path, _Origin(student, key))
        else:
            self.warnings.append(
                f"{name}: not in a student folder, nor a Canvas, Moodle or zip "
                "file name; not graded"
            )

    def lms_name(self, path: Path, name: str) -> bool:
        """A dot-name that the LMS wrote (a Moodle folder, a Canvas or Moodle file)."""
        bare = name[1:]
        if path.is_dir() and not path.is_symlink():
            return _MOODLE_FOLDER.match(bare) is not None
        return _MOODLE_FILE.match(bare) is not None or parse_canvas_name(bare) is not None

    def read_student_folder(self, path: Path, name: str) -> None:
        moodle = _MOODLE_FOLDER.match(name)
        if moodle is None:
            key = self.student(name, name, "folder", path.name, f"folder {name}")
            self.read_folder(path, _Origin(name, key), 1)
            return
        sid, display = moodle["id"], moodle["name"]
        if _MOODLE_MARK.search(display + "_"):
            self.warnings.append(
                f"{name}: the display name holds another Moodle id; filed under {sid}, "
                "the id at the end (written by Moodle)"
            )
        label = f"Moodle {display} ({sid})"
        key = self.student(sid, display, "moodle", f"{display}_{sid}", label)
        self.read_folder(path, _Origin(sid, key), 1)

    def kind(self, path: Path, allow_hidden: bool = False) -> Literal["file", "folder", "skip"]:
        """'file', 'folder' or 'skip' (after a warning for links and special files)."""
        name = from_os(path.name)
        if (name.startswith(".") and not allow_hidden) or name in SKIPPED_NAMES:
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

    def read_folder(self, folder: Path, owner: _Origin, depth: int) -> None:
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            self.warnings.append(f"{self.origin(folder)}: cannot be listed ({exc.strerror})")
            return
        for path in entries:
            kind = self.kind(path)
            if kind == "file":
                self.read_file(path, owner, from_os(path.name))
            elif kind == "folder" and depth >= MAX_DEPTH:
                self.warnings.append(f"{self.origin(path)}: nested too deep; not read")
            elif kind == "folder":
                self.read_folder(path, owner, depth + 1)

    def read_file(self, path: Path, owner: _Origin, name: str) -> None:
        """A file of `owner`, matched on `name` (for Canvas, the original file name)."""
        if name.startswith(".") or name in SKIPPED_NAMES:
            return
        if name.lower().endswith(".zip"):
            self.read_archive(path, owner)
            return
        match = match_exercise(name, self.exercise_ids)
        if match is None:
            self.unmatched(owner.student, self.origin(path))
            return
        try:
            size = path.stat().st_size
        except OSError as exc:
            self.warnings.append(f"{self.origin(path)}: cannot be read ({exc.strerror})")
            return
        if size > self.max_bytes:
            self.warnings.append(f"{self.origin(path)}: over {self.max_bytes >> 20} MB; not graded")
            return
        blob = Blob(str(path), -1, size, self.max_bytes, match.notebook)
        self.add(owner, match, self.origin(path), blob)

    def read_archive(self, path: Path, owner: _Origin) -> None:
        origin = self.origin(path)
        try:
            members = read_archive(path, self.exercise_ids, self.max_bytes)
        except (ArchiveError, OSError) as exc:
            self.warnings.append(f"{origin}: archive not graded: {exc}")
            self.students[owner.student].notes.append(f"archive {origin} not graded: {exc}")
            return
        for member in members:
            if member.match is None or member.blob is None:
                inner = member.name.lower().endswith(".zip")
                nested = " (archives inside archives are not opened)" if inner else ""
                self.unmatched(owner.student, f"{origin}:{member.name}", nested)
            else:
                self.add(owner, member.match, f"{origin}:{member.name}", member.blob)

    def add(self, owner: _Origin, match: ExerciseName, origin: str, blob: Blob) -> None:
        """A candidate file; a notebook is read once now, to report what is wrong with it."""
        notes: tuple[str, ...] = ()
        record = self.students[owner.student]
        if match.notebook:
            try:
                _, found = extract_code(Blob(blob.path, blob.member, blob.size, blob.limit).read())
            except (NotebookError, ArchiveError, OSError) as exc:
                self.warnings.append(f"{origin}: {exc}; not graded")
                record.notes.append(f"{origin}: {exc}")
                return
            notes = tuple(found)
        resubmission = match.resubmission if owner.canvas < 0 else 0
        record.candidates.append(
            _Candidate(
                match.exercise,
                origin,
                blob,
                match.notebook,
                resubmission,
                owner.late,
                notes,
                owner.source,
                owner.canvas,
            )
        )

    def unmatched(self, student: str, origin: str, why: str = "") -> None:
        record = self.students[student]
        record.unmatched += 1
        if record.unmatched <= MAX_UNMATCHED_LISTED:
            self.warnings.append(f"{origin}: not matched to an exercise{why}; not graded")


def _resolve(student: str, record: _Student, reader: _Reader, choice: str) -> StudentSubmission:
    notes = list(record.notes)
    candidates = _from_one_source(student, record, choice, reader.warnings, notes)
    files: list[SourceFile] = []
    budget = reader.max_bytes
    for exercise in reader.exercise_ids:
        group = sorted((c for c in candidates if c.exercise == exercise), key=_Candidate.rank)
        if not group:
            continue
        if group[0].blob.size > budget:
            reader.warnings.append(
                f"{student}: {exercise}: {group[0].origin} not graded: this student's files "
                f"total over the {reader.max_bytes >> 20} MB budget"
            )
            notes.append(f"{exercise} not graded: over this student's memory budget")
            continue
        source = _choose(student, group, reader.warnings)
        if not reader.lazy:
            try:
                source = dataclasses.replace(source, data=source.read(), blob=None)
            except (OSError, ArchiveError) as exc:  # changed or vanished since it was listed
                reader.warnings.append(f"{source.origin}: cannot be read ({exc}); not graded")
                continue
        budget -= group[0].blob.size
        files.append(source)
    if record.unmatched > MAX_UNMATCHED_LISTED:
        hidden = record.unmatched - MAX_UNMATCHED_LISTED
        reader.warnings.append(f"{student}: {hidden} more unmatched files, not listed")
    if not record.submitted:
        notes.append("no submission")
    elif not files:
        notes.append("no gradable file found")
    late = record.late or any(source.late for source in files)
    return StudentSubmission(student, record.display_name, tuple(files), late, tuple(notes))


def _from_one_source(
    student: str, record: _Student, choice: str, warnings: list[str], notes: list[str]
) -> list[_Candidate]:
    """The candidates of one source; none (and a warning) when several sources hold files
    for this id and staff have not chosen a kind that names exactly one of them."""
    fed = {c.source: record.sources[c.source] for c in record.candidates}
    if len(fed) <= 1:
        return record.candidates
    kept = {key for key, (kind, _) in fed.items() if kind == choice}
    if len(kept) == 1:
        notes.append(f"graded from the {choice} source chosen by staff; other sources ignored")
        return [c for c in record.candidates if c.source in kept]
    labels = "; ".join(sorted(label for _, label in fed.values()))
    chose = f" (the chosen kind {choice!r} names {len(kept)} of them)" if choice else ""
    warnings.append(
        f"{student}: {len(fed)} sources feed this id ({labels}){chose}; "
        f"nothing graded: choose one with --source {student}=KIND (one of "
        f"{', '.join(SOURCE_KINDS)}) or the roster's source column, or rename one"
    )
    notes.append(f"not graded: {len(fed)} sources feed this id; staff must choose")
    record.late = False
    return []


def _choose(student: str, ranked: list[_Candidate], warnings: list[str]) -> SourceFile:
    """The graded file among one student's candidates for one exercise (sorted by rank)."""
    chosen, rest = ranked[0], ranked[1:]
    notes = list(chosen.notes)
    same_kind = [c for c in rest if c.notebook == chosen.notebook]
    if chosen.canvas_submission >= 0 and any(
        c.canvas_submission < chosen.canvas_submission for c in same_kind
    ):
        older = [c for c in same_kind if c.canvas_submission < chosen.canvas_submission]
        notes.append(
            f"latest Canvas submission ({chosen.canvas_submission}) used; "
            f"{len(older)} older ignored"
        )
    elif chosen.resubmission:
        older = [c for c in same_kind if c.resubmission < chosen.resubmission]
        notes.append(f"re-submission -{chosen.resubmission} used; {len(older)} older ignored")
    notebooks = [c.origin for c in rest if c.notebook and not chosen.notebook]
    if notebooks:
        warnings.append(
            f"{student}: {chosen.exercise}: both .py and .ipynb; graded "
            f"{chosen.origin}, ignored {', '.join(notebooks)}"
        )
    same = [
        c.origin
        for c in same_kind
        if c.resubmission == chosen.resubmission and c.canvas_submission == chosen.canvas_submission
    ]
    if same:
        warnings.append(
            f"{student}: {chosen.exercise}: several files; graded {chosen.origin}, "
            f"ignored {', '.join(same)}"
        )
    return SourceFile(
        chosen.exercise, chosen.origin, b"", chosen.late, tuple(notes), blob=chosen.blob
    )


def _apply_roster(
    students: dict[str, _Student], roster: dict[str, str], warnings: list[str]
) -> dict[str, _Student]:
    """Submitters renamed to roster ids, plus absent students. Ids match exactly, else
    case-insensitively when that names one roster id; two submitters matching one id
    keep both sources (and so are not graded until staff choose)."""
    by_fold: dict[str, list[str]] = {}
    for listed in roster:
        by_fold.setdefault(listed.casefold(), []).append(listed)
    merged: dict[str, _Student] = {}
    for student in sorted(students):
        record = students[student]
        folded = by_fold.get(student.casefold(), [])
        known: str | None = student if student in roster else None
        if known is None and len(folded) == 1:
            known = folded[0]
        if known is None:
            if folded:
                warnings.append(
                    f"{student}: matches roster ids {', '.join(sorted(folded))} only by case; "
                    "not matched (write the id exactly as in the roster)"
                )
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
    into.sources.update(other.sources)


def _skipped_path(name: str) -> bool:
    return any(part.startswith(".") or part in SKIPPED_NAMES for part in name.split("/") if part)


def _is_number(word: str) -> bool:
    return word.isascii() and word.isdigit()


def _column_key(header: str) -> str:
    return re.sub(r"[\s-]+", "_", header.strip().casefold())
