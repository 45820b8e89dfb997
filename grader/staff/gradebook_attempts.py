"""Attempts in the gradebook: one row per graded (student, exercise, attempt).

A row holds the whole `ExerciseResult` as JSON next to what decides whether a submission must
be graded again (the sha256 of its source bytes and the exercise version) and what course policy
needs (the LMS's late mark and submission time). Recording is idempotent: a result whose
(student, exercise, content hash, exercise version, grader version) equals the latest attempt's
adds no attempt (the check and the insert are one transaction).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

import grader
from grader.outputs.models import ExerciseResult
from grader.staff.gradebook_schema import GradebookError, transaction, utc_iso

LATEST = """
SELECT * FROM attempts AS a
WHERE a.attempt = (SELECT MAX(b.attempt) FROM attempts AS b
                   WHERE b.student = a.student AND b.exercise = a.exercise)
"""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


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
    submitted_at: str = ""  # when the LMS says it was handed in (UTC ISO); '' when unknown


def content_hash(source: bytes) -> str:
    """The sha256 (hex) of a submission's source bytes: what `needs_grading` compares."""
    return hashlib.sha256(source).hexdigest()


def exercise_sort_key(exercise: str) -> tuple[str, int, str]:
    """Natural order for exercise ids: exercise2 before exercise10."""
    match = re.match(r"^(\D*)(\d+)(.*)$", exercise)
    if match is None:
        return (exercise, -1, "")
    return (match.group(1), int(match.group(2)), match.group(3))


def attempt_of(row: sqlite3.Row) -> Attempt:
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
        submitted_at=row["submitted_at"],
    )


def upsert_student(db: sqlite3.Connection, student: str, name: str) -> None:
    """Put a student on the roster (a non-empty name replaces the stored one)."""
    db.execute(
        "INSERT INTO students (student, name) VALUES (?, ?) ON CONFLICT (student) "
        "DO UPDATE SET name = excluded.name WHERE excluded.name <> ''",
        (student, name),
    )


def _name(db: sqlite3.Connection, student: str) -> str:
    row = db.execute("SELECT name FROM students WHERE student = ?", (student,)).fetchone()
    return str(row["name"]) if row is not None else ""


def needs_grading(
    db: sqlite3.Connection, student: str, exercise: str, content_hash: str, exercise_version: str
) -> bool:
    """False when the latest attempt graded these exact bytes at this exercise version."""
    row = db.execute(
        "SELECT content_hash, exercise_version FROM attempts WHERE student = ? "
        "AND exercise = ? ORDER BY attempt DESC LIMIT 1",
        (student, exercise),
    ).fetchone()
    if row is None:
        return True
    return bool(row["content_hash"] != content_hash or row["exercise_version"] != exercise_version)


def same_latest(
    db: sqlite3.Connection,
    student: str,
    exercise: str,
    content_hash: str,
    exercise_version: str,
    since: int,
) -> Attempt | None:
    """The latest attempt when it graded these bytes at this exercise and grader version (and
    was recorded after attempt id `since`): a result for it would be a duplicate.

    Only the latest attempt counts: a student who goes back to an older file must get a new
    attempt, or the older grade would not be the current one."""
    row = db.execute(
        "SELECT * FROM attempts WHERE student = ? AND exercise = ? ORDER BY attempt DESC LIMIT 1",
        (student, exercise),
    ).fetchone()
    if row is None or row["id"] <= since:
        return None
    key = (row["content_hash"], row["exercise_version"], row["grader_version"])
    same = key == (content_hash, exercise_version, grader.__version__)
    return attempt_of(row) if same else None


def record(
    db: sqlite3.Connection,
    student: str,
    result: ExerciseResult,
    *,
    content_hash: str,
    exercise_version: str,
    name: str,
    late: bool,
    notes: Sequence[str],
    started_at: datetime | None,
    finished_at: datetime | None,
    submitted_at: datetime | None,
    since: int,
) -> Attempt:
    """Store one result as the next attempt in one committed transaction; release its claim
    (see `grader.staff.gradebook.Gradebook.record`)."""
    if not student:
        raise GradebookError("a student id cannot be empty")
    if not _SHA256.match(content_hash):
        raise GradebookError(f"not a sha256 hex digest: {content_hash!r}")
    started, finished = utc_iso(started_at), utc_iso(finished_at)
    submitted = utc_iso(submitted_at) if submitted_at is not None else ""
    with transaction(db):
        same = same_latest(db, student, result.exercise, content_hash, exercise_version, since)
        if same is not None:
            db.execute(
                "DELETE FROM claims WHERE student = ? AND exercise = ?",
                (student, result.exercise),
            )
            return same
        upsert_student(db, student, name)
        number = db.execute(
            "SELECT COALESCE(MAX(attempt), 0) + 1 FROM attempts WHERE student = ? AND exercise = ?",
            (student, result.exercise),
        ).fetchone()[0]
        columns = {
            "student": student,
            "name": _name(db, student),
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
            "submitted_at": submitted,
        }
        cursor = db.execute(
            f"INSERT INTO attempts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            tuple(columns.values()),
        )
        db.execute(
            "DELETE FROM claims WHERE student = ? AND exercise = ?", (student, result.exercise)
        )
        row = db.execute("SELECT * FROM attempts WHERE id = ?", (cursor.lastrowid,))
        return attempt_of(row.fetchone())


def history(db: sqlite3.Connection, student: str, exercise: str) -> list[Attempt]:
    """Every attempt of one student at one exercise, oldest first."""
    rows = db.execute(
        "SELECT * FROM attempts WHERE student = ? AND exercise = ? ORDER BY attempt",
        (student, exercise),
    )
    return [attempt_of(row) for row in rows]


def latest_attempts(db: sqlite3.Connection) -> list[Attempt]:
    """The latest attempt per (student, exercise), by student then exercise."""
    found = [attempt_of(row) for row in db.execute(LATEST)]
    return sorted(found, key=lambda a: (a.student, exercise_sort_key(a.exercise)))


def exercise_maxima(db: sqlite3.Connection) -> dict[str, float]:
    """Each exercise's max score, from its most recently recorded attempt."""
    rows = db.execute(
        "SELECT exercise, max_score FROM attempts WHERE id IN "
        "(SELECT MAX(id) FROM attempts GROUP BY exercise)"
    )
    found = {row["exercise"]: float(row["max_score"]) for row in rows}
    return {key: found[key] for key in sorted(found, key=exercise_sort_key)}
