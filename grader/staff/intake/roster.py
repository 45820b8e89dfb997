"""The roster CSV (`--roster`): ids, display names, and the source staff chose per id.

A header row; the id column is the first of `id`, `student_id`, `login`, `email` present, the
name column the first of `name`, `display_name`, `full_name`, `student` (headers compared
case-insensitively, spaces as `_`); an optional `source` column chooses a source kind for
that id. Ids are normalised like names (NFC); rows with an empty id are skipped; a repeated
id is an error. Submitters match roster ids exactly, or case-insensitively when that names
exactly one roster id (otherwise a warning).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.outputs.text import normalise
from grader.staff.intake.model import SOURCE_KINDS, IntakeError
from grader.staff.intake.records import StudentRecord

ID_COLUMNS = ("id", "student_id", "login", "email")
NAME_COLUMNS = ("name", "display_name", "full_name", "student")


@dataclass(frozen=True)
class Roster:
    """Roster ids (normalised) mapped to display names, and the sources staff chose."""

    names: dict[str, str]
    sources: dict[str, str]


def read_roster(path: Path) -> dict[str, str]:
    """Roster ids mapped to display names ('' where the roster has no name column)."""
    return read_roster_file(path).names


def read_roster_file(path: Path) -> Roster:
    """The roster: ids (NFC, stripped) to names, and the `source` column where it has one."""
    try:
        rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        columns = {_column_key(name): name for name in rows.fieldnames or []}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise IntakeError(f"roster {path}: {exc}") from exc
    id_column = next((columns[key] for key in ID_COLUMNS if key in columns), None)
    name_column = next((columns[key] for key in NAME_COLUMNS if key in columns), None)
    source_column = columns.get("source")
    if id_column is None:
        raise IntakeError(f"roster {path}: no id column (one of {', '.join(ID_COLUMNS)})")
    names: dict[str, str] = {}
    sources: dict[str, str] = {}
    for row in rows:
        student = normalise((row.get(id_column) or "").strip())
        if not student:
            continue
        if student in names:
            raise IntakeError(f"roster {path}: id {student!r} twice (line {rows.line_num})")
        names[student] = normalise((row.get(name_column) or "").strip()) if name_column else ""
        kind = (row.get(source_column) or "").strip().lower() if source_column else ""
        if kind and kind not in SOURCE_KINDS:
            raise IntakeError(
                f"roster {path}: source {kind!r} (line {rows.line_num}) is not one of "
                f"{', '.join(SOURCE_KINDS)}"
            )
        if kind:
            sources[student] = kind
    return Roster(names, sources)


def chosen_sources(sources: Mapping[str, str]) -> dict[str, str]:
    chosen = {}
    for student, kind in sources.items():
        if kind not in SOURCE_KINDS:
            raise IntakeError(f"source {kind!r} for {student!r} is not one of {SOURCE_KINDS}")
        chosen[normalise(student)] = kind
    return chosen


def apply_roster(
    students: dict[str, StudentRecord], roster: dict[str, str], warnings: list[str]
) -> dict[str, StudentRecord]:
    """Submitters renamed to roster ids, plus absent students. Ids match exactly, else
    case-insensitively when that names one roster id; two submitters matching one id
    keep both sources (and so are not graded until staff choose)."""
    by_fold: dict[str, list[str]] = {}
    for listed in roster:
        by_fold.setdefault(listed.casefold(), []).append(listed)
    merged: dict[str, StudentRecord] = {}
    for student in sorted(students):
        record = students[student]
        folded = by_fold.get(student.casefold(), [])
        known: str | None = student if student in roster else None
        if known is None and len(folded) == 1:
            known = folded[0]
        if known is None:
            if folded:
                warnings.append(
                    f"{student}: matches roster ids {', '.join(sorted(folded))} only by case; "
                    "not matched (write the id exactly as in the roster)"
                )
            warnings.append(f"{student} ({record.display_name}): submitted but not on the roster")
            record.notes.append("not on the roster")
            merged[student] = record
            continue
        record.display_name = roster[known] or record.display_name
        if known in merged:
            merged[known].merge(record)
        else:
            merged[known] = record
    for student, name in roster.items():
        merged.setdefault(student, StudentRecord(name or student, submitted=False))
    return merged


def _column_key(header: str) -> str:
    return re.sub(r"[\s-]+", "_", header.strip().casefold())
