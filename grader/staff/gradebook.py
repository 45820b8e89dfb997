"""The gradebook: every graded attempt, kept in one SQLite file (stdlib `sqlite3`).

One row per (student, exercise, attempt) holds the whole `ExerciseResult` as JSON next to what
decides whether a submission must be graded again: the sha256 of its source bytes and the
exercise version. Each `record` is its own transaction, committed before it returns (WAL
journal, `synchronous=FULL`), so a batch killed with SIGKILL keeps every result it recorded and
a rerun that asks `needs_grading` first picks up where it stopped.

Several batches may share one gradebook. Recording is idempotent: a result whose (student,
exercise, content hash, exercise version, grader version) equals the latest attempt's adds no
attempt, whichever batch finished first (the check and the insert are one transaction). Batches
register and claim the pairs they grade (`grader.staff.gradebook_claims`); readers (`latest`)
see one snapshot (WAL), and `running` says which batches are still at work.

`latest` applies the course policy it is given (`grader.staff.policy`: due dates, late
penalties, extensions) and staff overrides (`override`, never erased by a regrade), keeping the
raw score beside the one that counts (`grader.staff.gradebook_grades`).

This class is the one way in; its parts live in `gradebook_schema` (the file, migrations,
transactions), `gradebook_attempts`, `gradebook_claims` and `gradebook_grades`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType

from grader.outputs.models import BatchResult, ExerciseResult
from grader.staff import gradebook_attempts as attempts
from grader.staff import gradebook_claims as claims
from grader.staff import gradebook_grades as grades
from grader.staff.claims import Process
from grader.staff.gradebook_attempts import Attempt, content_hash, exercise_sort_key
from grader.staff.gradebook_claims import (
    RUNNING_NOTICE,
    BatchTicket,
    ClaimOutcome,
    RunningBatch,
    Wanted,
)
from grader.staff.gradebook_grades import NO_SUBMISSION, RecordedOverride
from grader.staff.gradebook_schema import (
    SCHEMA_VERSION,
    GradebookError,
    connect,
    is_gradebook,
    snapshot,
    transaction,
)
from grader.staff.policy import CoursePolicy

__all__ = [
    "NO_SUBMISSION",
    "RUNNING_NOTICE",
    "SCHEMA_VERSION",
    "Attempt",
    "BatchTicket",
    "ClaimOutcome",
    "Gradebook",
    "GradebookError",
    "RecordedOverride",
    "RunningBatch",
    "Wanted",
    "content_hash",
    "exercise_sort_key",
    "is_gradebook",
]


class Gradebook:
    """An open gradebook file; use as `with Gradebook(path) as book: ...`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = connect(path)

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

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # --- students and attempts ------------------------------------------------------------

    def add_student(self, student: str, name: str = "") -> None:
        """Put a student on the roster (a non-empty name replaces the stored one)."""
        if not student:
            raise GradebookError("a student id cannot be empty")
        with transaction(self._db):
            attempts.upsert_student(self._db, student, name)

    def students(self) -> dict[str, str]:
        """Every known student id with their display name ('' when none was given)."""
        rows = self._db.execute("SELECT student, name FROM students ORDER BY student")
        return {row["student"]: row["name"] for row in rows}

    def needs_grading(
        self, student: str, exercise: str, content_hash: str, exercise_version: str
    ) -> bool:
        """False when the latest attempt graded these exact bytes at this exercise version."""
        return attempts.needs_grading(self._db, student, exercise, content_hash, exercise_version)

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
        submitted_at: datetime | None = None,
        since: int = 0,
    ) -> Attempt:
        """Store one result as the next attempt, in one committed transaction; release its claim.

        When the latest attempt (recorded after attempt id `since`; `BatchTicket.since` for a
        `--regrade`) already graded the same bytes at the same exercise and grader version,
        nothing is added and that attempt is returned: two batches never double a row.
        `late` is the LMS's late mark, `submitted_at` its submission time (course policy).
        """
        return attempts.record(
            self._db,
            student,
            result,
            content_hash=content_hash,
            exercise_version=exercise_version,
            name=name,
            late=late,
            notes=notes,
            started_at=started_at,
            finished_at=finished_at,
            submitted_at=submitted_at,
            since=since,
        )

    def history(self, student: str, exercise: str) -> list[Attempt]:
        """Every attempt of one student at one exercise, oldest first."""
        return attempts.history(self._db, student, exercise)

    def latest_attempts(self) -> list[Attempt]:
        """The latest attempt per (student, exercise), by student then exercise."""
        return attempts.latest_attempts(self._db)

    def exercise_maxima(self) -> dict[str, float]:
        """Each exercise's max score, from its most recently recorded attempt."""
        return attempts.exercise_maxima(self._db)

    # --- the current grades -----------------------------------------------------------------

    def latest(self, course: CoursePolicy | None = None) -> BatchResult:
        """The current grades: latest attempt per student and exercise through the course
        policy and the overrides, totals computed, read in one snapshot; a warning names each
        batch still running."""
        course = course or CoursePolicy()
        with snapshot(self._db):
            names = self.students()
            by_student: dict[str, list[Attempt]] = {student: [] for student in names}
            for attempt in self.latest_attempts():
                by_student.setdefault(attempt.student, []).append(attempt)
            maxima = self.exercise_maxima()
            forced: dict[str, dict[str, grades.Override]] = {}
            for item in grades.overrides(self._db):
                forced.setdefault(item.student, {})[item.exercise] = item.override
            running = self.running()
        return BatchResult(
            submissions=[
                grades.submission(
                    student,
                    names.get(student, ""),
                    by_student[student],
                    maxima,
                    course,
                    forced.get(student, {}),
                )
                for student in sorted(by_student)
            ],
            warnings=[batch.describe() for batch in running],
        )

    def override(
        self,
        student: str,
        exercise: str,
        score: float,
        reason: str,
        at: datetime | None = None,
    ) -> RecordedOverride:
        """Set a student's score for one exercise by hand, with a reason; kept across
        regrades (the latest override of a pair is the one in force)."""
        return grades.add_override(self._db, student, exercise, score, reason, at)

    def overrides(self, *, every: bool = False) -> list[RecordedOverride]:
        """The overrides in force (`every`: every one ever recorded, oldest first)."""
        return grades.overrides(self._db, every=every)

    # --- batches and claims ---------------------------------------------------------------

    def open_batch(self, ttl_s: float, process: Process | None = None) -> BatchTicket:
        """Register a batch run by `process` (default: this one), alive for `ttl_s` unless
        renewed."""
        return claims.open_batch(self._db, ttl_s, process)

    def renew_batch(self, ticket: BatchTicket, ttl_s: float) -> None:
        """Push the batch's expiry `ttl_s` from now (its heartbeat)."""
        claims.renew_batch(self._db, ticket, ttl_s)

    def close_batch(self, ticket: BatchTicket) -> None:
        """The batch is over: drop it and every claim it still holds."""
        claims.close_batch(self._db, ticket)

    def claim(
        self, ticket: BatchTicket, wanted: Sequence[Wanted], *, regrade: bool = False
    ) -> ClaimOutcome:
        """In one transaction: forget dead batches, then take every wanted pair that no live
        batch holds and that still needs grading (for a `regrade`: that no attempt after the
        ticket's `since` graded already)."""
        return claims.claim(self._db, ticket, wanted, regrade=regrade)

    def running(self) -> list[RunningBatch]:
        """Every batch that is alive (its process exists, its expiry has not passed)."""
        return claims.running(self._db)
