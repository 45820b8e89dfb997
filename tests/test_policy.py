"""Tests for grader.staff.policy: the course.toml schema, its one-line errors, and what the
late policy does to a raw score (due times, extensions, the LMS's late mark)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from grader.outputs.models import ExerciseGrade, Override
from grader.staff.policy import (
    CourseError,
    CoursePolicy,
    Lateness,
    course_file,
    grade_exercise,
    load_course,
)

ROOT = Path(__file__).resolve().parents[1]
IDS = ["exercise1", "exercise2", "exercise11"]
DUE = datetime(2026, 3, 2, 23, 59, tzinfo=timezone(timedelta(hours=1)))

POLICY = """
[late]
per_day = 0.10
max_days = 3

[exercises.exercise2]
due = 2026-03-02T23:59:00+01:00
extensions = { bob = 2, carol = "2026-03-10T12:00:00+00:00" }

[exercises.exercise11]
due = 2026-03-02T23:59:00+01:00
late = { per_day = 0.0 }
"""


def policy(tmp_path: Path, text: str = POLICY) -> CoursePolicy:
    path = tmp_path / "course.toml"
    path.write_text(text, encoding="utf-8")
    return load_course(path, IDS)


def graded(
    course: CoursePolicy, student: str, lateness: Lateness, exercise: str = "exercise2"
) -> ExerciseGrade:
    return grade_exercise(course, student, exercise, 10.0, 10.0, lateness)


def at(delta: timedelta) -> Lateness:
    return Lateness(submitted_at=DUE + delta)


def test_no_course_file_is_no_policy(tmp_path: Path) -> None:
    course = load_course(tmp_path / "course.toml", IDS)
    grade = graded(course, "ada", at(timedelta(days=9)))
    assert (grade.score, grade.raw_score, grade.penalty, grade.policy) == (10.0, 10.0, 0.0, "")


@pytest.mark.parametrize(
    ("delta", "days", "score"),
    [
        (timedelta(minutes=-1), 0, 10.0),
        (timedelta(0), 0, 10.0),
        (timedelta(seconds=1), 1, 9.0),
        (timedelta(days=1), 1, 9.0),
        (timedelta(days=1, seconds=1), 2, 8.0),
        (timedelta(days=3), 3, 7.0),
        (timedelta(days=3, minutes=1), 4, 0.0),
    ],
)
def test_ten_percent_per_started_day_up_to_three_days_then_zero(
    tmp_path: Path, delta: timedelta, days: int, score: float
) -> None:
    grade = graded(policy(tmp_path), "ada", at(delta))
    assert (grade.late_days, grade.score, grade.raw_score) == (days, score, 10.0)
    if days > 3:
        assert "over the 3-day limit, scores 0" in grade.policy
    elif days:
        assert grade.policy.startswith(f"{days} day") and f"-{days * 10}%" in grade.policy
        assert "due 2026-03-02 22:59 UTC" in grade.policy


def test_an_extension_moves_the_due_time_by_days_or_to_a_new_time(tmp_path: Path) -> None:
    course = policy(tmp_path)
    assert graded(course, "bob", at(timedelta(days=2))).score == 10.0
    late = graded(course, "bob", at(timedelta(days=2, hours=1)))
    assert (late.score, late.late_days) == (9.0, 1) and "(extended)" in late.policy
    carol_due = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
    assert graded(course, "carol", Lateness(carol_due)).score == 10.0
    assert graded(course, "carol", Lateness(carol_due + timedelta(hours=1))).score == 9.0
    assert graded(course, "ada", Lateness(carol_due)).score == 0.0  # 8 days late


def test_a_late_mark_without_a_time_is_charged_marked_late_days(tmp_path: Path) -> None:
    course = policy(tmp_path)
    marked = graded(course, "ada", Lateness(marked_late=True))
    assert (marked.score, marked.late_days) == (9.0, 1)
    assert "marked late by the LMS (no time known): charged 1 day" in marked.policy
    extended = graded(course, "bob", Lateness(marked_late=True))
    assert (extended.score, extended.late_days) == (10.0, 0) and "extension" in extended.policy
    bare = graded(load_course(tmp_path / "none.toml"), "ada", Lateness(marked_late=True))
    assert bare.score == 10.0 and "no late penalty in course.toml" in bare.policy


def test_an_exercise_policy_replaces_the_course_one(tmp_path: Path) -> None:
    grade = graded(policy(tmp_path), "ada", at(timedelta(days=2)), "exercise11")
    assert (grade.score, grade.late_days, grade.policy.endswith("no late penalty")) == (
        10.0,
        2,
        True,
    )


def test_grace_minutes_and_rounding(tmp_path: Path) -> None:
    text = POLICY.replace("max_days = 3", "max_days = 3\ngrace_minutes = 10\nper_day = 0.15")
    text = text.replace("per_day = 0.10\n", "", 1)
    course = policy(tmp_path, text)
    assert graded(course, "ada", at(timedelta(minutes=10))).score == 10.0
    third = grade_exercise(course, "ada", "exercise2", 1 / 3, 1.0, at(timedelta(minutes=11)))
    assert third.score == round(1 / 3 * 0.85, 4) and third.raw_score == 1 / 3


def test_an_override_sets_the_score_and_keeps_the_policy_line(tmp_path: Path) -> None:
    forced = Override(score=7.5, reason="regrade request", at="2026-03-05T10:00:00.000+00:00")
    grade = grade_exercise(
        policy(tmp_path), "ada", "exercise2", 10, 10, at(timedelta(days=1)), forced
    )
    assert (grade.score, grade.raw_score, grade.late_days) == (7.5, 10.0, 1)
    assert grade.describe() == (
        "raw 10; 1 day late (due 2026-03-02 22:59 UTC): -10%; set to 7.5 by staff (regrade request)"
    )
    assert "regrade request" not in grade.describe(staff=False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[late\nper_day = 1", r"not valid TOML: .*line 1"),
        ("[late]\nper_day = 1.5", r"late\.per_day: Input should be less than or equal to 1"),
        ("[late]\nper_dya = 0.1\nper_day = 0.1", r"late\.per_dya: Extra inputs are not permitted"),
        ("[late]\nmax_days = 2", r"late\.per_day: Field required"),
        (
            "[exercises.exercise2]\ndue = 2026-03-02T23:59:00",
            r"exercises\.exercise2\.due: Input should have timezone info",
        ),
        ("[exercises.exercise2]\ndue = 'next monday'", r"exercises\.exercise2\.due: Input should"),
        ("[exercises.exercise2]\nextensions = { bob = 0 }", r"extensions\.bob: .*whole days"),
        ("[exercises.exercise2]\nextensions = { bob = 1.5 }", r"extensions\.bob: .*whole days"),
        ("[exercises.exercise2]\ndue = 1772488740", r"exercise2\.due: .*date and time with a zone"),
        ("[exercises.exercise99]\ndue = 2026-03-02T23:59:00Z", r"exercise99: no such exercise"),
        ("[late]\nper_day = -0.1\nmax_days = -1", r"late\.per_day: .* \(and 1 more\)"),
    ],
)
def test_bad_input_is_one_line_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CourseError) as raised:
        policy(tmp_path, text)
    line = str(raised.value)
    assert "\n" not in line and line.startswith(str(tmp_path / "course.toml") + ": ")
    assert re.search(message, line), line


def test_the_shipped_course_file_changes_no_score_and_its_example_is_valid(tmp_path: Path) -> None:
    shipped = course_file(ROOT)
    ids = [p.name for p in (ROOT / "exercises").iterdir() if (p / "exercise.toml").is_file()]
    course = load_course(shipped, ids)
    assert course == CoursePolicy()
    lines = shipped.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# [late]"))
    end = next(i for i, line in enumerate(lines) if line.startswith("# Lateness comes"))
    example = "\n".join(line.removeprefix("#").removeprefix(" ") for line in lines[start:end])
    (tmp_path / "course.toml").write_text(example, encoding="utf-8")
    documented = load_course(tmp_path / "course.toml", ids)
    assert documented.late is not None and documented.late.per_day == 0.10
    assert documented.late.max_days == 3 and documented.late.grace_minutes == 15
    assert set(documented.exercises) == {"exercise2", "exercise11"}
    assert documented.due("exercise2", "1042") == (DUE + timedelta(days=2), True)
