"""A small class graded into a real gradebook, then read through a course policy with one
override: what the export tests render (every export must show the raw score and the one that
counts)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from grader.outputs.models import BatchResult, CheckResult, ExerciseResult
from grader.staff.gradebook import Gradebook, content_hash
from grader.staff.policy import load_course

DUE = datetime(2026, 3, 2, 22, 59, tzinfo=timezone.utc)
REASON = "regrade: the TA accepted the 0-dim loss"
COURSE = """
[late]
per_day = 0.25
max_days = 3

[exercises.exercise2]
due = 2026-03-02T22:59:00Z
"""


def result(exercise: str, score: float) -> ExerciseResult:
    checks = [
        CheckResult(
            name=f"check{i}",
            status="passed" if i < score else "failed",
            score=1.0 if i < score else 0.0,
            max_score=1.0,
            feedback="" if i < score else "expected 1, got 0",
        )
        for i in range(4)
    ]
    return ExerciseResult(exercise=exercise, score=score, max_score=4.0, checks=checks)


def adjusted_batch(folder: Path) -> BatchResult:
    """ada: exercise2 2 days late (4 -> 2); bob: exercise2 on time, 1 -> overridden to 3;
    both: exercise3 untouched."""
    (folder / "course.toml").write_text(COURSE, encoding="utf-8")
    course = load_course(folder / "course.toml", ["exercise2", "exercise3"])
    with Gradebook(folder / "gradebook.sqlite") as book:
        for student, score, late_by in (("ada", 4.0, 30), ("bob", 1.0, -1)):
            for exercise in ("exercise2", "exercise3"):
                book.record(
                    student,
                    result(exercise, score if exercise == "exercise2" else 2.0),
                    content_hash=content_hash(f"{student}/{exercise}".encode()),
                    exercise_version="1",
                    name=student.title(),
                    submitted_at=DUE + timedelta(hours=late_by),
                )
        book.override("bob", "exercise2", 3.0, REASON)
        return book.latest(course)
