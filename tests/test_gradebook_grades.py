"""Tests for grader.staff.gradebook_grades through the Gradebook: the course policy applied to
the latest attempts, overrides that a regrade never erases, and bad overrides refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from grader.outputs.models import CheckResult, ExerciseResult, SubmissionResult
from grader.staff.gradebook import Gradebook, GradebookError, content_hash
from grader.staff.gradebook_schema import _SCHEMA, _SCHEMA_2
from grader.staff.policy import CoursePolicy, load_course

DUE = datetime(2026, 3, 2, 22, 59, tzinfo=timezone.utc)
COURSE = """
[late]
per_day = 0.25
max_days = 2

[exercises.exercise2]
due = 2026-03-02T22:59:00Z
extensions = { bob = 3 }
"""


def result(exercise: str, score: float, top: float = 4.0) -> ExerciseResult:
    checks = [
        CheckResult(
            name=f"c{i}",
            status="passed" if i < score else "failed",
            score=float(i < score),
            max_score=1.0,
        )
        for i in range(int(top))
    ]
    return ExerciseResult(exercise=exercise, score=score, max_score=top, checks=checks)


def record(
    book: Gradebook,
    student: str,
    exercise: str,
    score: float,
    *,
    source: str = "v1",
    late: bool = False,
    at: datetime | None = None,
    since: int = 0,
) -> None:
    book.record(
        student,
        result(exercise, score),
        content_hash=content_hash(f"{student}{exercise}{source}".encode()),
        exercise_version="1",
        late=late,
        submitted_at=at,
        since=since,
    )


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Gradebook]:
    with Gradebook(tmp_path / "grades.sqlite") as opened:
        yield opened


@pytest.fixture
def course(tmp_path: Path) -> CoursePolicy:
    (tmp_path / "course.toml").write_text(COURSE, encoding="utf-8")
    return load_course(tmp_path / "course.toml", ["exercise2", "exercise3"])


def by_student(book: Gradebook, course: CoursePolicy | None = None) -> dict[str, SubmissionResult]:
    return {sub.student: sub for sub in book.latest(course).submissions}


def test_the_policy_is_applied_when_read_and_the_raw_score_is_kept(
    book: Gradebook, course: CoursePolicy
) -> None:
    record(book, "ada", "exercise2", 4, at=DUE + timedelta(hours=30))  # 2 days late: -50%
    record(book, "ada", "exercise3", 3)
    record(book, "bob", "exercise2", 4, at=DUE + timedelta(days=2))  # extended by 3 days
    record(book, "cy", "exercise2", 4, late=True)  # Canvas LATE, no time: 1 day
    record(book, "dee", "exercise2", 4, at=DUE + timedelta(days=5))  # past the limit
    subs = book.latest(course).submissions
    ada, bob, cy, dee = subs
    assert (ada.score, ada.raw_score, ada.max_score) == (5.0, 7.0, 8.0)
    two = ada.grade("exercise2")
    assert two is not None and (two.raw_score, two.score, two.late_days, two.penalty) == (
        4.0,
        2.0,
        2,
        0.5,
    )
    assert two.submitted_at == "2026-03-04T04:59:00+00:00"
    assert ada.score_of("exercise3") == 3.0 and [e.score for e in ada.exercises] == [4.0, 3.0]
    assert (bob.score, bob.raw_score) == (4.0, 4.0)
    assert (cy.score, cy.grades[0].late_days, cy.late) == (3.0, 1, True)
    assert (dee.score, dee.raw_score) == (0.0, 4.0)
    plain = book.latest().submissions  # no course file: raw is what counts
    assert [s.score for s in plain] == [s.raw_score for s in plain] == [7.0, 4.0, 4.0, 4.0]


def test_an_override_is_kept_with_time_and_reason_and_survives_a_regrade(
    book: Gradebook, course: CoursePolicy
) -> None:
    record(book, "ada", "exercise2", 1, at=DUE + timedelta(days=1))
    when = datetime(2026, 3, 6, 9, 30, tzinfo=timezone.utc)
    done = book.override("ada", "exercise2", 3.5, "  regrade:\n partial credit ", at=when)
    assert (done.override.score, done.override.reason) == (3.5, "regrade: partial credit")
    assert done.override.at == "2026-03-06T09:30:00.000+00:00"
    ticket = book.open_batch(60.0)
    record(book, "ada", "exercise2", 4, source="v2", at=DUE, since=ticket.since)  # a regrade
    assert len(book.history("ada", "exercise2")) == 2
    ada = book.latest(course).submissions[0]
    grade = ada.grade("exercise2")
    assert grade is not None and grade.override is not None
    assert (ada.score, ada.raw_score, grade.raw_score, grade.override.reason) == (
        3.5,
        4.0,
        4.0,
        "regrade: partial credit",
    )
    book.override("ada", "exercise2", 4.0, "second look")
    assert book.latest(course).submissions[0].score == 4.0
    assert [o.override.reason for o in book.overrides(every=True)] == [
        "regrade: partial credit",
        "second look",
    ]
    assert [o.override.reason for o in book.overrides()] == ["second look"]


def test_an_override_for_an_exercise_not_handed_in_counts(book: Gradebook) -> None:
    record(book, "ada", "exercise2", 4)
    book.add_student("bob")
    book.override("bob", "exercise2", 2.0, "emailed the file; graded by hand")
    bob = by_student(book)["bob"]
    assert bob.score == 2.0 and bob.raw_score == 0.0 and bob.exercises == []
    grade = bob.grade("exercise2")
    assert grade is not None and grade.override is not None
    assert grade.override.score == 2.0 and grade.raw_score == 0.0


@pytest.mark.parametrize(
    ("student", "exercise", "score", "reason", "message"),
    [
        ("zed", "exercise2", 1.0, "why", "no student 'zed' in this gradebook"),
        (
            "ada",
            "exercise9",
            1.0,
            "why",
            "no exercise 'exercise9' in this gradebook (graded: exercise2)",
        ),
        ("ada", "exercise2", 4.5, "why", "score 4.5 is not between 0 and 4 for exercise2"),
        ("ada", "exercise2", -1.0, "why", "score -1 is not between 0 and 4 for exercise2"),
        ("ada", "exercise2", float("nan"), "why", "score nan is not between 0 and 4"),
        ("ada", "exercise2", 1.0, " \n\t", "an override needs a reason (--reason)"),
    ],
)
def test_bad_overrides_are_refused_and_nothing_is_stored(
    book: Gradebook, student: str, exercise: str, score: float, reason: str, message: str
) -> None:
    record(book, "ada", "exercise2", 4)
    with pytest.raises(GradebookError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        book.override(student, exercise, score, reason)
    assert book.overrides(every=True) == []


def test_a_version_2_gradebook_is_migrated_and_keeps_its_attempts(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite"
    with Gradebook(tmp_path / "model.sqlite") as model:
        record(model, "ada", "exercise2", 3)
    row = sqlite3.connect(tmp_path / "model.sqlite").execute("SELECT * FROM attempts").fetchone()
    raw = sqlite3.connect(path)
    raw.executescript(_SCHEMA + _SCHEMA_2 + "PRAGMA user_version = 2;")
    raw.execute("INSERT INTO students (student, name) VALUES ('ada', '')")
    raw.execute(f"INSERT INTO attempts VALUES ({', '.join('?' * 15)})", row[:15])
    raw.commit()
    raw.close()
    with Gradebook(path) as opened:
        assert opened.schema_version == 3
        (ada,) = opened.latest().submissions
        assert (ada.score, ada.raw_score, ada.grades[0].submitted_at) == (3.0, 3.0, "")
        opened.override("ada", "exercise2", 1.0, "migrated and overridden")
        assert opened.latest().submissions[0].score == 1.0
