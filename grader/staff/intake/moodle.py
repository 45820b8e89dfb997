"""Moodle downloads: `<Full Name>_<id>_assignsubmission_file_` folders, or flat files
`<Full Name>_<id>_assignsubmission_file_<file>`.

The id is read from the right-hand end the LMS wrote (`_<id>_assignsubmission_<plugin>_`),
so a display name that contains such a marker cannot file the folder under another id (a
warning names it); a flat Moodle file name with two markers is ambiguous and not graded. A
Moodle folder whose name starts with a dot is graded with a warning (it is hidden on most
systems).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from grader.staff.intake.records import Origin

if TYPE_CHECKING:
    from grader.staff.intake.reader import Reader

FOLDER = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_[a-z]+_?$")
FILE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_(?P<rest>.+)$")
_MARK = re.compile(r"_\d+_assignsubmission_[a-z]+_")


def read_moodle_file(reader: Reader, path: Path, name: str, found: re.Match[str]) -> None:
    """A flat Moodle file (`found` is its `FILE` match); graded under the LMS's id."""
    if len(_MARK.findall(name)) > 1:
        reader.warnings.append(
            f"{name}: two Moodle ids in one file name (one is in the display name "
            "or the file name); not graded"
        )
        return
    sid = found["id"]
    label = f"Moodle {found['name']} ({sid})"
    key = reader.student(sid, found["name"], "moodle", f"{found['name']}_{sid}", label)
    reader.read_file(path, Origin(sid, key), found["rest"])


def read_moodle_folder(reader: Reader, path: Path, name: str, found: re.Match[str]) -> None:
    """A Moodle participant's folder (`found` is its `FOLDER` match)."""
    sid, display = found["id"], found["name"]
    if _MARK.search(display + "_"):
        reader.warnings.append(
            f"{name}: the display name holds another Moodle id; filed under {sid}, "
            "the id at the end (written by Moodle)"
        )
    label = f"Moodle {display} ({sid})"
    key = reader.student(sid, display, "moodle", f"{display}_{sid}", label)
    reader.read_folder(path, Origin(sid, key), 1)
