"""The current grades, read from the gradebook: the latest attempt per student and exercise,
then the course policy, then staff overrides.

Roster students with no attempt still appear, with score 0 and the note "no submission". A
student's `max_score` is the sum of every exercise the gradebook knows (each exercise's maximum
taken from its most recent attempt), so an exercise not handed in counts against the total.

Overrides live in their own table and are never written by grading: a regrade adds attempts,
and the latest override of a (student, exercise) still sets its score. The policy is applied
when grades are read, so an extension added to `course.toml` later counts without a regrade.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from grader.outputs.models import ExerciseGrade, Override, SubmissionResult
from grader.staff.gradebook_attempts import Attempt, exercise_maxima, exercise_sort_key
from grader.staff.gradebook_schema import GradebookError, transaction, utc_iso
from grader.staff.policy import CoursePolicy, Lateness, grade_exercise

__all__ = [
    "NO_SUBMISSION",
    "Override",
    "RecordedOverride",
    "add_override",
    "overrides",
    "submission",
]

NO_SUBMISSION = "no submission"


@dataclass(frozen=True)
class RecordedOverride:
    """An override as `grade gradebook show` lists it."""

    student: str
    exercise: str
    override: Override


def add_override(
    db: sqlite3.Connection,
    student: str,
    exercise: str,
    score: float,
    reason: str,
    at: datetime | None = None,
) -> RecordedOverride:
    """Record that staff set `student`'s `exercise` to `score`, and why. The student must be
    known, the exercise graded for someone, the score within 0 and its maximum, the reason
    not blank; anything else is a `GradebookError` with a one-line message."""
    reason = " ".join(reason.split())
    if not reason:
        raise GradebookError("an override needs a reason (--reason)")
    with transaction(db):
        known = db.execute("SELECT 1 FROM students WHERE student = ?", (student,)).fetchone()
        if known is None:
            raise GradebookError(f"no student {student!r} in this gradebook")
        maxima = exercise_maxima(db)
        if exercise not in maxima:
            shown = ", ".join(maxima) or "none yet"
            raise GradebookError(f"no exercise {exercise!r} in this gradebook (graded: {shown})")
        top = maxima[exercise]
        if not (math.isfinite(score) and 0 <= score <= top):
            raise GradebookError(f"score {score:g} is not between 0 and {top:g} for {exercise}")
        when = utc_iso(at)
        db.execute(
            "INSERT INTO overrides (student, exercise, score, reason, recorded_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (student, exercise, float(score), reason, when),
        )
    return RecordedOverride(student, exercise, Override(score=score, reason=reason, at=when))


def overrides(db: sqlite3.Connection, *, every: bool = False) -> list[RecordedOverride]:
    """The override in force per (student, exercise) (the latest); `every`: all, oldest first."""
    query = "SELECT * FROM overrides AS o"
    if not every:
        query += (
            " WHERE o.id = (SELECT MAX(p.id) FROM overrides AS p"
            " WHERE p.student = o.student AND p.exercise = o.exercise)"
        )
    rows = db.execute(query + " ORDER BY o.id").fetchall()
    found = [
        RecordedOverride(
            row["student"],
            row["exercise"],
            Override(score=row["score"], reason=row["reason"], at=row["recorded_at"]),
        )
        for row in rows
    ]
    if every:
        return found
    return sorted(found, key=lambda o: (o.student, exercise_sort_key(o.exercise)))


def submission(
    student: str,
    name: str,
    attempts: list[Attempt],
    maxima: dict[str, float],
    course: CoursePolicy,
    forced: dict[str, Override],
) -> SubmissionResult:
    """One student's grades: each attempt through the course policy, then the overrides."""
    notes: list[str] = []
    for attempt in attempts:
        notes.extend(note for note in attempt.notes if note not in notes)
    done = {attempt.exercise for attempt in attempts}
    missing = [exercise for exercise in maxima if exercise not in done]
    if not attempts:
        notes.append(NO_SUBMISSION)
    elif missing:
        notes.append(f"{NO_SUBMISSION} for {', '.join(missing)}")
    grades = [_grade(student, one, course, forced.get(one.exercise)) for one in attempts]
    grades += [
        ExerciseGrade(
            exercise=exercise,
            raw_score=0.0,
            score=override.score,
            max_score=maxima.get(exercise, override.score),
            policy=NO_SUBMISSION,
            override=override,
        )
        for exercise, override in sorted(forced.items(), key=lambda i: exercise_sort_key(i[0]))
        if exercise not in done
    ]
    grades.sort(key=lambda grade: exercise_sort_key(grade.exercise))
    return SubmissionResult(
        student=student,
        name=name,
        score=sum(grade.score for grade in grades),
        raw_score=sum(attempt.result.score for attempt in attempts),
        max_score=sum(maxima.values()),
        exercises=[attempt.result for attempt in attempts],
        late=any(attempt.late for attempt in attempts),
        notes=notes,
        grades=grades,
    )


def _grade(
    student: str, attempt: Attempt, course: CoursePolicy, override: Override | None
) -> ExerciseGrade:
    when = datetime.fromisoformat(attempt.submitted_at) if attempt.submitted_at else None
    lateness = Lateness(submitted_at=when, marked_late=attempt.late)
    result = attempt.result
    return grade_exercise(
        course, student, result.exercise, result.score, result.max_score, lateness, override
    )
