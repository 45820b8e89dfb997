"""One pass over a submissions folder: every candidate file of every student, and warnings.

Intake only reads files: it never imports, runs or extracts student work to disk. Names are
student text: every file, folder and zip member name is normalised once, here
(`grader.outputs.text.from_os`: undecodable bytes become U+FFFD, lone surrogates dropped,
NFC); ids, origins and warnings carry the normalised form and are data, never markup.

A flat file name that reads both as Canvas's and as Moodle's is ambiguous (one of the two
ids is in text the student wrote, e.g. a Canvas upload named `Bob_1002_assignsubmission_file_
x.py`): it is not graded, with a warning, and files nothing under either id.

Never silently ignored: every file not matched to an exercise, every symlink (not followed),
every rejected archive and every unreadable notebook is a warning. After 20 unmatched files
in one student the rest are counted, not listed. While it scans, the reader holds no file
contents: a candidate is a `Blob` (a notebook is read once, to report what is wrong with it).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Literal

from grader.judge.notebook import NotebookError, extract_code
from grader.outputs.text import from_os
from grader.staff.intake import moodle
from grader.staff.intake.archives import read_archive
from grader.staff.intake.blobs import ArchiveError, Blob
from grader.staff.intake.canvas import parse_canvas_name, read_canvas_file
from grader.staff.intake.names import SKIPPED_NAMES, ExerciseName, match_exercise, match_source
from grader.staff.intake.records import Candidate, Origin, StudentRecord

MAX_DEPTH = 8
MAX_UNMATCHED_LISTED = 20


class Reader:
    """The students found so far, and the warnings.

    With `single` (one exercise id), every `.py`/`.ipynb` file is that exercise's source.
    """

    def __init__(
        self,
        root: Path,
        exercise_ids: tuple[str, ...],
        max_archive_mb: int,
        lazy: bool,
        single: bool = False,
    ) -> None:
        self.root = root
        self.lazy = lazy
        self.exercise_ids = exercise_ids
        self.single = single and len(exercise_ids) == 1
        self.max_bytes = max_archive_mb << 20
        self.students: dict[str, StudentRecord] = {}
        self.warnings: list[str] = []

    def match(self, name: str) -> ExerciseName | None:
        """The exercise a file named `name` is a source of, if any."""
        if self.single:
            return match_source(name, self.exercise_ids[0])
        return match_exercise(name, self.exercise_ids)

    def student(self, student: str, display_name: str, kind: str, key: str, label: str) -> str:
        """Register `student` as fed by one more source; returns the source's key."""
        record = self.students.setdefault(student, StudentRecord(display_name))
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
        in_moodle, in_canvas = moodle.FILE.match(name), parse_canvas_name(name)
        if in_moodle is not None and in_canvas is not None:
            self.warnings.append(
                f"{name}: both a Canvas and a Moodle file name (one id is in the part the "
                "student wrote); not graded"
            )
        elif in_moodle is not None:
            moodle.read_moodle_file(self, path, name, in_moodle)
        elif in_canvas is not None:
            read_canvas_file(self, path, in_canvas)
        elif name.lower().endswith(".zip"):
            student = name[:-4]
            key = self.student(student, student, "zip", path.name, f"zip {name}")
            self.read_archive(path, Origin(student, key))
        else:
            self.warnings.append(
                f"{name}: not in a student folder, nor a Canvas, Moodle or zip "
                "file name; not graded"
            )

    def lms_name(self, path: Path, name: str) -> bool:
        """A dot-name that the LMS wrote (a Moodle folder, a Canvas or Moodle file)."""
        bare = name[1:]
        if path.is_dir() and not path.is_symlink():
            return moodle.FOLDER.match(bare) is not None
        return moodle.FILE.match(bare) is not None or parse_canvas_name(bare) is not None

    def read_student_folder(self, path: Path, name: str) -> None:
        found = moodle.FOLDER.match(name)
        if found is not None:
            moodle.read_moodle_folder(self, path, name, found)
            return
        key = self.student(name, name, "folder", path.name, f"folder {name}")
        self.read_folder(path, Origin(name, key), 1)

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

    def read_folder(self, folder: Path, owner: Origin, depth: int) -> None:
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

    def read_file(self, path: Path, owner: Origin, name: str) -> None:
        """A file of `owner`, matched on `name` (for Canvas, the original file name)."""
        if name.startswith(".") or name in SKIPPED_NAMES:
            return
        if name.lower().endswith(".zip"):
            self.read_archive(path, owner)
            return
        match = self.match(name)
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

    def read_archive(self, path: Path, owner: Origin) -> None:
        origin = self.origin(path)
        try:
            members = read_archive(path, self.match, self.max_bytes)
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

    def add(self, owner: Origin, match: ExerciseName, origin: str, blob: Blob) -> None:
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
            Candidate(
                match.exercise,
                origin,
                blob,
                match.notebook,
                resubmission,
                owner.late,
                notes,
                owner.source,
                owner.canvas,
                match.named,
            )
        )

    def unmatched(self, student: str, origin: str, why: str = "") -> None:
        record = self.students[student]
        record.unmatched += 1
        if record.unmatched <= MAX_UNMATCHED_LISTED:
            self.warnings.append(f"{origin}: not matched to an exercise{why}; not graded")
