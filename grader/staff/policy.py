"""Course policy: due dates, a late policy and per-student extensions, from `course.toml`.

`course.toml` sits beside `exercises/` (read with `tomllib`); without it no policy applies.

    [late]                      # the course's late policy (optional; none: no penalty)
    per_day = 0.10              # the fraction of the raw score lost per day late (started)
    max_days = 3                # later than this: the exercise scores 0 (omit: no cut-off)
    grace_minutes = 0           # minutes after the due time still on time
    marked_late_days = 1        # days charged when the LMS marks a file late but gives no time

    [exercises.exercise2]
    due = 2026-03-01T23:59:00+01:00     # ISO 8601 with a zone (a TOML datetime or a string)
    late = { per_day = 0.0 }            # this exercise's own policy (here: never penalised)
    extensions = { alice = 2026-03-04T23:59:00+01:00, "1042" = 2 }  # a new due time, or days

Lateness comes from the LMS (`grader.staff.lateness`): a submission time (nbgrader's
`timestamp.txt`) is compared with the student's due time (an extension replaces it); a late
mark without a time (Canvas's `LATE` in the file name) is charged `marked_late_days` days, and
not at all when the student has an extension (the mark cannot say whether it was met). A file
the layout gives no time for is on time. The penalty is taken from the raw score:
`raw * (1 - per_day * days)`, never below 0, and 0 past `max_days`.

Every problem with the file is one line (`CourseError`), naming the key that is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated

import tomllib
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from grader.outputs.models import ExerciseGrade, Override

COURSE_FILE = "course.toml"
_DAY = timedelta(days=1)


class CourseError(Exception):
    """`course.toml` cannot be used; the message is one line naming the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LatePolicy(_Strict):
    """How late work loses points."""

    per_day: Annotated[float, Field(ge=0, le=1)] = Field(
        description="fraction of the raw score lost per day (or part of a day) late"
    )
    max_days: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="later than this many days it scores 0; none: no cut-off"
    )
    grace_minutes: Annotated[int, Field(ge=0)] = Field(
        default=0, description="minutes after the due time that still count as on time"
    )
    marked_late_days: Annotated[int, Field(ge=1)] = Field(
        default=1, description="days charged when the LMS marks a file late without a time"
    )


def _a_time(value: object) -> object:
    """A number is no time here (pydantic would read it as seconds since 1970)."""
    if isinstance(value, int | float):
        raise ValueError("should be a date and time with a zone, e.g. 2026-03-02T23:59:00+01:00")
    return value


def _days_or_a_time(value: object) -> object:
    if isinstance(value, bool) or (isinstance(value, int) and value < 1):
        raise ValueError("should be whole days (1 or more) or a date and time with a zone")
    if isinstance(value, float):
        raise ValueError("should be whole days (1 or more) or a date and time with a zone")
    return value


When = Annotated[AwareDatetime, BeforeValidator(_a_time)]
Extension = Annotated[int | AwareDatetime, BeforeValidator(_days_or_a_time)]


class ExercisePolicy(_Strict):
    """One exercise's due time, its own late policy and the students' extensions."""

    due: When | None = Field(default=None, description="ISO 8601 with a time zone")
    late: LatePolicy | None = Field(default=None, description="overrides the course's [late]")
    extensions: dict[str, Extension] = Field(
        default_factory=dict, description="student id -> a new due time, or days added"
    )


class CoursePolicy(_Strict):
    """The whole of `course.toml`."""

    late: LatePolicy | None = Field(default=None, description="the course's late policy")
    exercises: dict[str, ExercisePolicy] = Field(default_factory=dict)

    def due(self, exercise: str, student: str) -> tuple[datetime | None, bool]:
        """The student's due time for the exercise, and whether an extension set it."""
        rules = self.exercises.get(exercise)
        if rules is None:
            return None, False
        extension = rules.extensions.get(student)
        if extension is None:
            return rules.due, False
        if isinstance(extension, datetime):
            return extension, True
        return (rules.due + extension * _DAY if rules.due is not None else None), True

    def late_policy(self, exercise: str) -> LatePolicy | None:
        rules = self.exercises.get(exercise)
        return rules.late if rules is not None and rules.late is not None else self.late


@dataclass(frozen=True)
class Lateness:
    """What the LMS says of when a file was handed in: a time, or only a late mark."""

    submitted_at: datetime | None = None
    marked_late: bool = False


def course_file(root: Path) -> Path:
    """Where a course's policy file is: `course.toml` beside `exercises/`."""
    return root / COURSE_FILE


def load_course(path: Path, exercise_ids: Sequence[str] | None = None) -> CoursePolicy:
    """The policy in `path` (no file: no policy). Exercise ids must be among `exercise_ids`."""
    if not path.is_file():
        return CoursePolicy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(f"{path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: not valid TOML: {exc}") from None
    try:
        policy = CoursePolicy.model_validate(data)
    except ValidationError as exc:
        raise CourseError(f"{path}: {_first_problem(exc)}") from None
    if exercise_ids is not None:
        unknown = sorted(set(policy.exercises) - set(exercise_ids))
        if unknown:
            raise CourseError(f"{path}: exercises.{unknown[0]}: no such exercise in this course")
    return policy


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "the file"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def grade_exercise(
    course: CoursePolicy,
    student: str,
    exercise: str,
    raw_score: float,
    max_score: float,
    lateness: Lateness,
    override: Override | None = None,
) -> ExerciseGrade:
    """The exercise's grade: the raw score, the late penalty the policy takes, the override."""
    days, text = _days_late(course, student, exercise, lateness)
    rules = course.late_policy(exercise)
    penalty = 0.0
    if days and rules is None:
        text += "; no late penalty in course.toml"
    elif days and rules is not None:
        if rules.max_days is not None and days > rules.max_days:
            penalty = 1.0
            text += f": over the {rules.max_days}-day limit, scores 0"
        else:
            penalty = min(1.0, rules.per_day * days)
            text += f": -{penalty:.0%}" if penalty else "; no late penalty"
    score = raw_score if not penalty else round(raw_score * (1 - penalty), 4)
    if override is not None:
        score = override.score
    return ExerciseGrade(
        exercise=exercise,
        raw_score=raw_score,
        score=score,
        max_score=max_score,
        submitted_at=_iso(lateness.submitted_at),
        late_days=days,
        penalty=penalty,
        policy=text,
        override=override,
    )


def _days_late(
    course: CoursePolicy, student: str, exercise: str, lateness: Lateness
) -> tuple[int, str]:
    """Days late (0: on time or unknown) and the line that says why."""
    due, extended = course.due(exercise, student)
    rules = course.late_policy(exercise)
    grace = timedelta(minutes=rules.grace_minutes) if rules is not None else timedelta()
    extension = " (extended)" if extended else ""
    if lateness.submitted_at is not None and due is not None:
        over = lateness.submitted_at - (due + grace)
        if over <= timedelta():
            return 0, ""
        days = math.ceil(over / _DAY)
        return days, f"{days} day{'s' * (days != 1)} late (due {_shown(due)}{extension})"
    if not lateness.marked_late:
        return 0, ""
    if extended:
        return 0, "marked late by the LMS, but an extension applies and no time is known: not late"
    if rules is None:
        return 0, "marked late by the LMS (no time known); no late penalty in course.toml"
    days = rules.marked_late_days
    return days, f"marked late by the LMS (no time known): charged {days} day{'s' * (days != 1)}"


def _shown(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
