"""Canvas bulk downloads: `<name>[_LATE]_<uid>_<sid>_<file>`, flat in the folder.

The name part is one or more `_`-separated words (display name: the words joined by spaces);
a `LATE`/`late` word anywhere before the original file name, except as the first word, marks
the submission late; exactly two numbers (user id, submission id) follow. The student is the
user id, nothing else. The original file name after the numbers is the student's text: it is
matched to an exercise and never parsed for an id or a re-submission number; among one
user's files the highest submission id (written by Canvas: the newest upload) wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.staff.intake.records import Origin

if TYPE_CHECKING:
    from grader.staff.intake.reader import Reader


@dataclass(frozen=True)
class CanvasName:
    display_name: str
    user_id: str
    late: bool
    original: str
    submission_id: str = ""


def parse_canvas_name(name: str) -> CanvasName | None:
    """`smith_jane_LATE_123_456_exercise2-1.py` -> ('smith jane', '123', late, 'exercise2-1.py')."""
    words = name.split("_")
    position, person, late = 0, [], False
    while position < len(words) and not is_number(words[position]):
        if position > 0 and words[position].casefold() == "late":
            late = True
        else:
            person.append(words[position])
        position += 1
    numbers: list[str] = []
    while position < len(words) - 1 and len(numbers) < 2:
        if words[position].casefold() == "late":
            late = True
        elif is_number(words[position]):
            numbers.append(words[position])
        else:
            break
        position += 1
    original = "_".join(words[position:])
    if not person or "" in person or len(numbers) != 2 or not original:
        return None
    return CanvasName(" ".join(person), numbers[0], late, original, numbers[1])


def is_number(word: str) -> bool:
    return word.isascii() and word.isdigit()


def read_canvas_file(reader: Reader, path: Path, found: CanvasName) -> None:
    """A file of a Canvas download (`found` is its parsed name): filed under the user id."""
    uid = found.user_id
    key = reader.student(uid, found.display_name, "canvas", uid, f"Canvas user {uid}")
    reader.students[uid].late |= found.late
    origin = Origin(uid, key, found.late, int(found.submission_id))
    reader.read_file(path, origin, found.original)
