"""The gradebook: every graded attempt, kept in one SQLite file (stdlib `sqlite3`).

One row per (student, exercise, attempt) holds the whole `ExerciseResult` as JSON next to what
decides whether a submission must be graded again: the sha256 of its source bytes and the
exercise version. Each `record` is its own transaction, committed before it returns (WAL
journal, `synchronous=FULL`), so a batch killed with SIGKILL keeps every result it recorded and
a rerun that asks `needs_grading` first picks up where it stopped.

Roster students live in a `students` table; one with no attempt still appears in `latest()`
with score 0 and the note "no submission". A student's `max_score` in `latest()` is the sum of
every exercise the gradebook knows (each exercise's maximum taken from its most recent attempt),
so an exercise not handed in counts against the total instead of vanishing from it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel, ConfigDict

import grader
from grader.outputs.models import BatchResult, ExerciseResult, SubmissionResult

SCHEMA_VERSION = 1
NO_SUBMISSION = "no submission"

_SCHEMA = """
CREATE TABLE students (
    student TEXT PRIMARY KEY NOT NULL CHECK (student <> ''),
    name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    student TEXT NOT NULL REFERENCES students (student),
    name TEXT NOT NULL,
    exercise TEXT NOT NULL,
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    content_hash TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    result_json TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    exercise_version TEXT NOT NULL,
    late INTEGER NOT NULL CHECK (late IN (0, 1)),
    notes_json TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    UNIQUE (student, exercise, attempt)
);
"""

_LATEST = """
SELECT * FROM attempts AS a
WHERE a.attempt = (SELECT MAX(b.attempt) FROM attempts AS b
                   WHERE b.student = a.student AND b.exercise = a.exercise)
"""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class GradebookError(Exception):
    """The gradebook file cannot be used (newer schema, bad arguments)."""


class Attempt(BaseModel):
    """One recorded grading of one student's submission for one exercise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    student: str
    name: str
    exercise: str
    attempt: int
    content_hash: str
    result: ExerciseResult
    grader_version: str
    exercise_version: str
    late: bool
    notes: tuple[str, ...]
    started_at: str
    finished_at: str


def content_hash(source: bytes) -> str:
    """The sha256 (hex) of a submission's source bytes: what `needs_grading` compares."""
    return hashlib.sha256(source).hexdigest()


def exercise_sort_key(exercise: str) -> tuple[str, int, str]:
    """Natural order for exercise ids: exercise2 before exercise10."""
    match = re.match(r"^(\D*)(\d+)(.*)$", exercise)
    if match is None:
        return (exercise, -1, "")
    return (match.group(1), int(match.group(2)), match.group(3))


def _utc_iso(moment: datetime | None) -> str:
    if moment is None:
        moment = datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise GradebookError("timestamps must be timezone-aware (UTC)")
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _attempt(row: sqlite3.Row) -> Attempt:
    return Attempt(
        student=row["student"],
        name=row["name"],
        exercise=row["exercise"],
        attempt=row["attempt"],
        content_hash=row["content_hash"],
        result=ExerciseResult.model_validate_json(row["result_json"]),
        grader_version=row["grader_version"],
        exercise_version=row["exercise_version"],
        late=bool(row["late"]),
        notes=tuple(json.loads(row["notes_json"])),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


class Gradebook:
    """An open gradebook file; use as `with Gradebook(path) as book: ...`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def _migrate(self) -> None:
        with self._transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise GradebookError(
                    f"{self.path} has schema version {version}; this grader knows "
                    f"{SCHEMA_VERSION} (upgrade the grader)"
                )
            if version == 0:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def add_student(self, student: str, name: str = "") -> None:
        """Put a student on the roster (a non-empty name replaces the stored one)."""
        if not student:
            raise GradebookError("a student id cannot be empty")
        with self._transaction() as db:
            self._upsert_student(db, student, name)

    @staticmethod
    def _upsert_student(db: sqlite3.Connection, student: str, name: str) -> None:
        db.execute(
            "INSERT INTO students (student, name) VALUES (?, ?) ON CONFLICT (student) "
            "DO UPDATE SET name = excluded.name WHERE excluded.name <> ''",
            (student, name),
        )

    @staticmethod
    def _name(db: sqlite3.Connection, student: str) -> str:
        row = db.execute("SELECT name FROM students WHERE student = ?", (student,)).fetchone()
        return str(row["name"]) if row is not None else ""

    def students(self) -> dict[str, str]:
        """Every known student id with their display name ('' when none was given)."""
        rows = self._db.execute("SELECT student, name FROM students ORDER BY student")
        return {row["student"]: row["name"] for row in rows}

    def needs_grading(
        self, student: str, exercise: str, content_hash: str, exercise_version: str
    ) -> bool:
        """False when the latest attempt graded these exact bytes at this exercise version."""
        row = self._db.execute(
            "SELECT content_hash, exercise_version FROM attempts WHERE student = ? "
            "AND exercise = ? ORDER BY attempt DESC LIMIT 1",
            (student, exercise),
        ).fetchone()
        if row is None:
            return True
        return bool(
            row["content_hash"] != content_hash or row["exercise_version"] != exercise_version
        )

    def record(
        self,
        student: str,
        result: ExerciseResult,
        *,
        content_hash: str,
        exercise_version: str,
        name: str = "",
        late: bool = False,
        notes: Sequence[str] = (),
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
    ) -> Attempt:
        """Store one result as the next attempt, in one committed transaction."""
        if not student:
            raise GradebookError("a student id cannot be empty")
        if not _SHA256.match(content_hash):
            raise GradebookError(f"not a sha256 hex digest: {content_hash!r}")
        started, finished = _utc_iso(started_at), _utc_iso(finished_at)
        with self._transaction() as db:
            self._upsert_student(db, student, name)
            number = db.execute(
                "SELECT COALESCE(MAX(attempt), 0) + 1 FROM attempts "
                "WHERE student = ? AND exercise = ?",
                (student, result.exercise),
            ).fetchone()[0]
            columns = {
                "student": student,
                "name": self._name(db, student),
                "exercise": result.exercise,
                "attempt": number,
                "content_hash": content_hash,
                "score": result.score,
                "max_score": result.max_score,
                "result_json": result.model_dump_json(),
                "grader_version": grader.__version__,
                "exercise_version": exercise_version,
                "late": int(late),
                "notes_json": json.dumps(list(notes)),
                "started_at": started,
                "finished_at": finished,
            }
            cursor = db.execute(
                f"INSERT INTO attempts ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                tuple(columns.values()),
            )
            row = db.execute("SELECT * FROM attempts WHERE id = ?", (cursor.lastrowid,))
            return _attempt(row.fetchone())

    def history(self, student: str, exercise: str) -> list[Attempt]:
        """Every attempt of one student at one exercise, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM attempts WHERE student = ? AND exercise = ? ORDER BY attempt",
            (student, exercise),
        )
        return [_attempt(row) for row in rows]

    def latest_attempts(self) -> list[Attempt]:
        """The latest attempt per (student, exercise), by student then exercise."""
        found = [_attempt(row) for row in self._db.execute(_LATEST)]
        return sorted(found, key=lambda a: (a.student, exercise_sort_key(a.exercise)))

    def exercise_maxima(self) -> dict[str, float]:
        """Each exercise's max score, from its most recently recorded attempt."""
        rows = self._db.execute(
            "SELECT exercise, max_score FROM attempts WHERE id IN "
            "(SELECT MAX(id) FROM attempts GROUP BY exercise)"
        )
        found = {row["exercise"]: float(row["max_score"]) for row in rows}
        return {key: found[key] for key in sorted(found, key=exercise_sort_key)}

    def latest(self) -> BatchResult:
        """The current grades: latest attempt per student and exercise, totals computed."""
        by_student: dict[str, list[Attempt]] = {student: [] for student in self.students()}
        for attempt in self.latest_attempts():
            by_student.setdefault(attempt.student, []).append(attempt)
        maxima = self.exercise_maxima()
        return BatchResult(
            submissions=[
                _submission(student, by_student[student], maxima) for student in sorted(by_student)
            ]
        )


def _submission(
    student: str, attempts: list[Attempt], maxima: dict[str, float]
) -> SubmissionResult:
    notes: list[str] = []
    for attempt in attempts:
        notes.extend(note for note in attempt.notes if note not in notes)
    done = {attempt.exercise for attempt in attempts}
    missing = [exercise for exercise in maxima if exercise not in done]
    if not attempts:
        notes.append(NO_SUBMISSION)
    elif missing:
        notes.append(f"{NO_SUBMISSION} for {', '.join(missing)}")
    return SubmissionResult(
        student=student,
        score=sum(attempt.result.score for attempt in attempts),
        max_score=sum(maxima.values()),
        exercises=[attempt.result for attempt in attempts],
        late=any(attempt.late for attempt in attempts),
        notes=notes,
    )
