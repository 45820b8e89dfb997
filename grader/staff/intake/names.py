"""Which files are an exercise's source, by name, and which names are skipped.

A file is graded for exercise E when its name is `E.py` or `E.ipynb` (case-insensitive), with
an optional re-submission suffix (`E-1.py`, `E-2.py`). In a one-exercise batch (`grade batch
--exercise E`, what an LMS download of one assignment holds) every `.py` or `.ipynb` file is a
source of E, whatever the student named it (`relu.py`, `hw2.ipynb`): the name only ranks a
student's own files among themselves (`grader.staff.intake.choice`), it never decides whose
work a file is. Skipped silently: hidden names (starting with `.`), `__pycache__`, `__MACOSX`,
`Thumbs.db`, `desktop.ini`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Never a submission, so not warned about: OS litter, and nbgrader's `timestamp.txt` (the
# submission time, which grader.staff.lateness reads).
SKIPPED_NAMES = frozenset({"__pycache__", "__MACOSX", "Thumbs.db", "desktop.ini", "timestamp.txt"})
# A re-submission number is ASCII digits, at most nine of them (a zip member's name can hold
# thousands, which int() refuses); a longer suffix is part of the stem.
_SOURCE_FILE = re.compile(
    r"^(?P<stem>.+?)(?:-(?P<n>[0-9]{1,9}))?\.(?P<ext>py|ipynb)$", re.IGNORECASE
)


@dataclass(frozen=True)
class ExerciseName:
    """What a file name says: the exercise, a re-submission number, a notebook or not, and
    whether the name is the exercise's own (False only in a one-exercise batch)."""

    exercise: str
    resubmission: int
    notebook: bool
    named: bool = True


def match_exercise(name: str, exercise_ids: Sequence[str]) -> ExerciseName | None:
    """`exercise3.ipynb` -> (exercise3, 0, notebook); `exercise2-2.py` -> (exercise2, 2, .py)."""
    found = _SOURCE_FILE.match(name)
    if found is None:
        return None
    by_fold = {exercise.casefold(): exercise for exercise in exercise_ids}
    exercise = by_fold.get(found["stem"].casefold())
    if exercise is None:
        return None
    return ExerciseName(exercise, int(found["n"] or 0), found["ext"].lower() == "ipynb")


def match_source(name: str, exercise: str) -> ExerciseName | None:
    """In a one-exercise batch: any `.py` or `.ipynb` file is `exercise`'s source.

    `relu-2.py` -> (exercise, 2, .py, named=False); `Exercise2.py` -> named=True.
    """
    found = _SOURCE_FILE.match(name)
    if found is None or name.startswith("."):
        return None
    named = found["stem"].casefold() == exercise.casefold()
    notebook = found["ext"].lower() == "ipynb"
    return ExerciseName(exercise, int(found["n"] or 0), notebook, named)


def skipped_path(name: str) -> bool:
    """A zip member path with a hidden or skipped part (`__MACOSX/...`, `.git/...`)."""
    return any(part.startswith(".") or part in SKIPPED_NAMES for part in name.split("/") if part)
