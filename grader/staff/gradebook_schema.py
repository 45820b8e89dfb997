"""The gradebook's SQLite file: its schema, its migrations and its transactions.

The file is versioned with `PRAGMA user_version`; opening an older file migrates it in place, a
newer one is refused. Every write is one `BEGIN IMMEDIATE` transaction (`transaction`), every
multi-query read one `BEGIN DEFERRED` snapshot (`snapshot`), so WAL readers never see half of a
write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

SCHEMA_VERSION = 3

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

_SCHEMA_2 = """
CREATE TABLE batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    process_start TEXT NOT NULL,
    started_at TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE claims (
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    batch INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    PRIMARY KEY (student, exercise)
);
"""

# Version 3: when the LMS says the file was submitted (course policy), and staff overrides.
_SCHEMA_3 = """
ALTER TABLE attempts ADD COLUMN submitted_at TEXT NOT NULL DEFAULT '';
CREATE TABLE overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    student TEXT NOT NULL REFERENCES students (student),
    exercise TEXT NOT NULL CHECK (exercise <> ''),
    score REAL NOT NULL CHECK (score >= 0),
    reason TEXT NOT NULL CHECK (reason <> ''),
    recorded_at TEXT NOT NULL
);
"""

_STEPS = {1: _SCHEMA, 2: _SCHEMA_2, 3: _SCHEMA_3}


class GradebookError(Exception):
    """The gradebook file cannot be used (newer schema, bad arguments)."""


def is_gradebook(path: Path) -> bool:
    """Whether `path` is a gradebook, read without changing it (a file that is no database, or
    another program's database, is not one)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error:
        return False
    finally:
        db.close()
    return bool(version >= 1 and {"students", "attempts"} <= tables)


def connect(path: Path) -> sqlite3.Connection:
    """An open, migrated connection: WAL journal, `synchronous=FULL`, foreign keys on."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    db.row_factory = sqlite3.Row
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db, path)
    except BaseException:
        db.close()
        raise
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once (`BEGIN IMMEDIATE`): committed, or rolled back."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


@contextmanager
def snapshot(db: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: every query inside sees the same committed state."""
    if db.in_transaction:
        yield
        return
    db.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        if db.in_transaction:
            db.execute("COMMIT")


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the file to `SCHEMA_VERSION` in one transaction; refuse a newer one."""
    with transaction(db):
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise GradebookError(
                f"{path} has schema version {version}; this grader knows "
                f"{SCHEMA_VERSION} (upgrade the grader)"
            )
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in _STEPS[step].split(";"):
                if statement.strip():
                    db.execute(statement)
        if version < SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def utc_iso(moment: datetime | None) -> str:
    """A moment (default: now) as UTC ISO 8601 with milliseconds; naive times are refused."""
    if moment is None:
        moment = datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise GradebookError("timestamps must be timezone-aware (UTC)")
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
