"""The gradebook: every graded attempt, kept in one SQLite file (stdlib `sqlite3`).

One row per (student, exercise, attempt) holds the whole `ExerciseResult` as JSON next to what
decides whether a submission must be graded again: the sha256 of its source bytes and the
exercise version. Each `record` is its own transaction, committed before it returns (WAL
journal, `synchronous=FULL`), so a batch killed with SIGKILL keeps every result it recorded and
a rerun that asks `needs_grading` first picks up where it stopped.

Several batches may share one gradebook. Recording is idempotent: a result whose (student,
exercise, content hash, exercise version, grader version) equals the latest attempt's adds no
attempt, whichever batch finished first (the check and the insert are one transaction). A batch
registers itself (`open_batch`: pid, host, the process's start time, an expiry it renews) and
claims the (student, exercise) pairs it is about to grade (`claim`); another batch skips pairs
claimed by a live batch. A batch is dead when its process is gone (same host) or its expiry has
passed (any host); the next `claim` removes it and its claims, so a SIGKILLed batch blocks
nobody for long. Readers (`latest`) see one snapshot (WAL), and `running` says which batches
are still at work.

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
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel, ConfigDict

import grader
from grader.outputs.models import BatchResult, ExerciseResult, SubmissionResult
from grader.staff.claims import Process, this_process

SCHEMA_VERSION = 2
NO_SUBMISSION = "no submission"
RUNNING_NOTICE = "a batch is running on this gradebook"

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

_LATEST = """
SELECT * FROM attempts AS a
WHERE a.attempt = (SELECT MAX(b.attempt) FROM attempts AS b
                   WHERE b.student = a.student AND b.exercise = a.exercise)
"""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


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


class GradebookError(Exception):
    """The gradebook file cannot be used (newer schema, bad arguments)."""


@dataclass(frozen=True)
class BatchTicket:
    """A batch registered in the gradebook: its row id, and the last attempt id before it began
    (a `--regrade` batch counts only attempts after that one as already done)."""

    id: int
    since: int


@dataclass(frozen=True)
class RunningBatch:
    """A live batch as readers see it: who runs it and how many pairs it still holds."""

    pid: int
    host: str
    started_at: str
    claims: int

    def describe(self) -> str:
        return (
            f"{RUNNING_NOTICE} (pid {self.pid} on {self.host}, started "
            f"{self.started_at}, {self.claims} still being graded): these grades may change"
        )


@dataclass(frozen=True)
class Wanted:
    """A pair a batch wants to grade, with what decides whether it is already done."""

    student: str
    exercise: str
    content_hash: str
    exercise_version: str


@dataclass(frozen=True)
class ClaimOutcome:
    """What `claim` did: pairs now this batch's, pairs a live batch holds, pairs already done."""

    claimed: tuple[Wanted, ...]
    busy: tuple[Wanted, ...]
    done: tuple[Wanted, ...]


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
            steps = {1: _SCHEMA, 2: _SCHEMA_2}
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in steps[step].split(";"):
                    if statement.strip():
                        db.execute(statement)
            if version < SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same committed state."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            if self._db.in_transaction:
                self._db.execute("COMMIT")

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
        since: int = 0,
    ) -> Attempt:
        """Store one result as the next attempt, in one committed transaction; release its claim.

        When the latest attempt (recorded after attempt id `since`; `BatchTicket.since` for a
        `--regrade`) already graded the same bytes at the same exercise and grader version,
        nothing is added and that attempt is returned: two batches never double a row.
        """
        if not student:
            raise GradebookError("a student id cannot be empty")
        if not _SHA256.match(content_hash):
            raise GradebookError(f"not a sha256 hex digest: {content_hash!r}")
        started, finished = _utc_iso(started_at), _utc_iso(finished_at)
        with self._transaction() as db:
            same = self._same_latest(
                db, student, result.exercise, content_hash, exercise_version, since
            )
            if same is not None:
                db.execute(
                    "DELETE FROM claims WHERE student = ? AND exercise = ?",
                    (student, result.exercise),
                )
                return same
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
            db.execute(
                "DELETE FROM claims WHERE student = ? AND exercise = ?",
                (student, result.exercise),
            )
            row = db.execute("SELECT * FROM attempts WHERE id = ?", (cursor.lastrowid,))
            return _attempt(row.fetchone())

    @staticmethod
    def _same_latest(
        db: sqlite3.Connection,
        student: str,
        exercise: str,
        content_hash: str,
        exercise_version: str,
        since: int,
    ) -> Attempt | None:
        """The latest attempt when it graded these bytes at this exercise and grader version
        (and was recorded after attempt id `since`): a result for it would be a duplicate.

        Only the latest attempt counts: a student who goes back to an older file must get a
        new attempt, or the older grade would not be the current one."""
        row = db.execute(
            "SELECT * FROM attempts WHERE student = ? AND exercise = ? "
            "ORDER BY attempt DESC LIMIT 1",
            (student, exercise),
        ).fetchone()
        if row is None or row["id"] <= since:
            return None
        key = (row["content_hash"], row["exercise_version"], row["grader_version"])
        same = key == (content_hash, exercise_version, grader.__version__)
        return _attempt(row) if same else None

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
        """The current grades: latest attempt per student and exercise, totals computed, read
        in one snapshot; a warning names each batch still running."""
        with self._snapshot():
            names = self.students()
            by_student: dict[str, list[Attempt]] = {student: [] for student in names}
            for attempt in self.latest_attempts():
                by_student.setdefault(attempt.student, []).append(attempt)
            maxima = self.exercise_maxima()
            running = self.running()
        return BatchResult(
            submissions=[
                _submission(student, by_student[student], maxima, names.get(student, ""))
                for student in sorted(by_student)
            ],
            warnings=[batch.describe() for batch in running],
        )

    # --- batches and claims ---------------------------------------------------------------

    def open_batch(self, ttl_s: float, process: Process | None = None) -> BatchTicket:
        """Register a batch run by `process` (default: this one), alive for `ttl_s` unless
        renewed."""
        process = process or this_process()
        with self._transaction() as db:
            since = db.execute("SELECT COALESCE(MAX(id), 0) FROM attempts").fetchone()[0]
            cursor = db.execute(
                "INSERT INTO batches (pid, host, process_start, started_at, expires) "
                "VALUES (?, ?, ?, ?, ?)",
                (process.pid, process.host, process.start, _utc_iso(None), time.time() + ttl_s),
            )
            assert cursor.lastrowid is not None
            return BatchTicket(cursor.lastrowid, int(since))

    def renew_batch(self, ticket: BatchTicket, ttl_s: float) -> None:
        """Push the batch's expiry `ttl_s` from now (its heartbeat)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE batches SET expires = ? WHERE id = ?", (time.time() + ttl_s, ticket.id)
            )

    def close_batch(self, ticket: BatchTicket) -> None:
        """The batch is over: drop it and every claim it still holds."""
        with self._transaction() as db:
            db.execute("DELETE FROM batches WHERE id = ?", (ticket.id,))

    def claim(
        self, ticket: BatchTicket, wanted: Sequence[Wanted], *, regrade: bool = False
    ) -> ClaimOutcome:
        """In one transaction: forget dead batches, then take every wanted pair that no live
        batch holds and that still needs grading (for a `regrade`: that no attempt after the
        ticket's `since` graded already)."""
        claimed: list[Wanted] = []
        busy: list[Wanted] = []
        done: list[Wanted] = []
        with self._transaction() as db:
            self._forget_dead(db, ticket)
            holders = {
                (row["student"], row["exercise"]): row["batch"]
                for row in db.execute("SELECT student, exercise, batch FROM claims")
            }
            for item in wanted:
                holder = holders.get((item.student, item.exercise))
                if holder is not None and holder != ticket.id:
                    busy.append(item)
                elif self._already_done(db, item, ticket.since if regrade else 0):
                    done.append(item)
                else:
                    db.execute(
                        "INSERT OR REPLACE INTO claims (student, exercise, batch) VALUES (?, ?, ?)",
                        (item.student, item.exercise, ticket.id),
                    )
                    claimed.append(item)
        return ClaimOutcome(tuple(claimed), tuple(busy), tuple(done))

    def _already_done(self, db: sqlite3.Connection, item: Wanted, since: int) -> bool:
        if since:
            args = (item.content_hash, item.exercise_version, since)
            return self._same_latest(db, item.student, item.exercise, *args) is not None
        return not self.needs_grading(
            item.student, item.exercise, item.content_hash, item.exercise_version
        )

    @staticmethod
    def _forget_dead(db: sqlite3.Connection, ticket: BatchTicket) -> None:
        """Drop every other dead batch (claims cascade); the caller is alive by definition,
        but may have been declared dead by another batch (its expiry passed unrenewed)."""
        now = time.time()
        rows = db.execute("SELECT * FROM batches").fetchall()
        if ticket.id not in {row["id"] for row in rows}:
            raise GradebookError(
                "this batch's registration expired (its heartbeat stopped) and another batch "
                "took over its work; run the batch again"
            )
        for row in rows:
            owner = Process(row["pid"], row["host"], row["process_start"])
            if row["id"] != ticket.id and not (row["expires"] > now and owner.may_be_alive()):
                db.execute("DELETE FROM batches WHERE id = ?", (row["id"],))

    def running(self) -> list[RunningBatch]:
        """Every batch that is alive (its process exists, its expiry has not passed)."""
        now = time.time()
        rows = self._db.execute(
            "SELECT b.*, (SELECT COUNT(*) FROM claims AS c WHERE c.batch = b.id) AS held "
            "FROM batches AS b ORDER BY b.id"
        ).fetchall()
        return [
            RunningBatch(row["pid"], row["host"], row["started_at"], row["held"])
            for row in rows
            if row["expires"] > now
            and Process(row["pid"], row["host"], row["process_start"]).may_be_alive()
        ]


def _submission(
    student: str, attempts: list[Attempt], maxima: dict[str, float], name: str = ""
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
        name=name,
        score=sum(attempt.result.score for attempt in attempts),
        max_score=sum(maxima.values()),
        exercises=[attempt.result for attempt in attempts],
        late=any(attempt.late for attempt in attempts),
        notes=notes,
    )
