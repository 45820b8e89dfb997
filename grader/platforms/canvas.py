"""Grades back to Canvas: each student's score for an exercise (or the total of several) posted
to one Canvas assignment, with the report's summary as a comment, through `canvasapi`.

    CANVAS_API_TOKEN=... grade gradebook push canvas --url https://canvas.example.edu \\
        --course 1234 --assignment 5678 --exercise exercise2 [--dry-run]

Students are matched to Canvas users, never guessed: a gradebook id that came from a Canvas
download is the Canvas user id itself (digits only); any other id needs a `canvas_id` column in
the roster. Unmatched students are listed and nothing is sent for them. The token is read from
the environment only, so it never appears in a shell history or a process listing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.outputs.models import BatchResult, SubmissionResult

TOKEN_ENV = "CANVAS_API_TOKEN"
ROSTER_COLUMNS = ("canvas_id", "canvas_user_id", "user_id")


class CanvasError(Exception):
    """The push cannot start (no token, no canvasapi, a roster that cannot be read)."""


@dataclass(frozen=True)
class Grade:
    """One grade to post: whose, to which Canvas user, how much, and the comment."""

    student: str
    canvas_user: str
    score: float
    max_score: float
    comment: str


@dataclass(frozen=True)
class Plan:
    grades: tuple[Grade, ...]
    unmatched: tuple[str, ...]  # gradebook ids with no Canvas user
    ungraded: tuple[str, ...]  # matched students with no result for the exercises


def read_canvas_ids(roster: Path) -> dict[str, str]:
    """Roster id -> Canvas user id, from the roster's `canvas_id` column."""
    try:
        rows = list(csv.DictReader(io.StringIO(roster.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CanvasError(f"roster {roster}: {exc}") from exc
    if not rows:
        return {}
    columns = {name.strip().casefold(): name for name in rows[0]}
    id_column = columns.get("id") or columns.get("student") or columns.get("student_id")
    canvas_column = next((columns[c] for c in ROSTER_COLUMNS if c in columns), None)
    if id_column is None or canvas_column is None:
        raise CanvasError(f"roster {roster}: needs an id column and a canvas_id column")
    found = {}
    for row in rows:
        student, user = (row.get(id_column) or "").strip(), (row.get(canvas_column) or "").strip()
        if student and user.isdecimal():
            found[student] = user
    return found


def plan_push(
    batch: BatchResult, exercises: Sequence[str], canvas_ids: dict[str, str] | None = None
) -> Plan:
    """What would be sent: a grade per matched student, and who cannot be matched."""
    canvas_ids = canvas_ids or {}
    grades, unmatched, ungraded = [], [], []
    for sub in batch.submissions:
        user = canvas_ids.get(sub.student) or (sub.student if _is_canvas_id(sub.student) else "")
        if not user:
            unmatched.append(sub.student)
            continue
        results = [ex for ex in sub.exercises if ex.exercise in exercises]
        counted = [g for g in sub.grades if g.exercise in exercises]
        if not results and not counted:
            ungraded.append(sub.student)
            continue
        # The score that counts: after the course policy and staff overrides, where set.
        score = sum(_counted(sub, exercise) for exercise in exercises)
        maximum = sum(_maximum(sub, exercise) for exercise in exercises)
        grades.append(Grade(sub.student, user, round(score, 4), maximum, comment(sub, exercises)))
    return Plan(tuple(grades), tuple(unmatched), tuple(ungraded))


def _counted(sub: SubmissionResult, exercise: str) -> float:
    score = sub.score_of(exercise)
    return score if score is not None else 0.0


def _maximum(sub: SubmissionResult, exercise: str) -> float:
    grade = sub.grade(exercise)
    if grade is not None:
        return grade.max_score
    return next((ex.max_score for ex in sub.exercises if ex.exercise == exercise), 0.0)


def _is_canvas_id(student: str) -> bool:
    return student.isascii() and student.isdecimal() and len(student) <= 20


def comment(sub: SubmissionResult, exercises: Sequence[str]) -> str:
    """The report's summary: each exercise's score that counts (with the judge's raw score and
    what changed it, an override's reason left out) and the checks that lost points."""
    lines = []
    for ex in sub.exercises:
        if ex.exercise not in exercises:
            continue
        grade = sub.grade(ex.exercise)
        why = grade.describe(staff=False) if grade is not None else ""
        shown = grade.score if grade is not None else ex.score
        suffix = f" ({why})" if why else ""
        lines.append(f"{ex.exercise}: {shown:g}/{ex.max_score:g}{suffix}")
        for check in ex.checks:
            if check.status != "passed":
                hidden = " (hidden)" if check.hidden else ""
                lines.append(f"  - {check.title or check.name}{hidden}: {check.status}")
    return "\n".join(lines)


def push(
    plan: Plan,
    *,
    url: str,
    token: str,
    course: int,
    assignment: int,
    connect: Callable[[str, str], Any] | None = None,
) -> dict[str, str]:
    """Post every grade of the plan; returns student -> "posted" or the reason it failed.

    One student's failure (no such Canvas user, a refused request) is recorded and the push
    goes on with the next.
    """
    try:
        from canvasapi import Canvas
        from canvasapi.exceptions import CanvasException
    except ImportError:
        raise CanvasError(
            'pushing to Canvas needs canvasapi: pip install "grade[canvas]"'
        ) from None
    canvas = (connect or Canvas)(url, token)
    try:
        target = canvas.get_course(course).get_assignment(assignment)
    except CanvasException as exc:
        raise CanvasError(f"course {course}, assignment {assignment}: {exc}") from exc
    outcome: dict[str, str] = {}
    for grade in plan.grades:
        try:
            submission = target.get_submission(int(grade.canvas_user))
            submission.edit(
                submission={"posted_grade": format(grade.score, "g")},
                comment={"text_comment": grade.comment},
            )
            outcome[grade.student] = "posted"
        except CanvasException as exc:
            outcome[grade.student] = f"not posted: {exc}"
    return outcome
