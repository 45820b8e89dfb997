"""CSV exports never hand a spreadsheet a formula: every cell a student or roster controls that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return is neutralised with a leading
apostrophe, and reads back as the original text after it. Other cells are left as they are.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from grader.outputs.exports import write_csv
from grader.outputs.models import BatchResult, CheckResult, ExerciseResult, SubmissionResult

PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ATTACK = "cmd|' /C calc'!A0"


def student(sid: str) -> SubmissionResult:
    check = CheckResult(name="forward", status="passed", score=1, max_score=1)
    result = ExerciseResult(exercise="exercise1", score=1, max_score=1, checks=[check])
    return SubmissionResult(student=sid, score=1, max_score=1, exercises=[result])


def rows(tmp_path: Path, ids: list[str], names: dict[str, str]) -> list[dict[str, str]]:
    path = tmp_path / "grades.csv"
    write_csv(BatchResult(submissions=[student(s) for s in ids]), path, ["exercise1"], names)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_a_formula_prefix_in_the_student_id_is_neutralised(tmp_path: Path, prefix: str) -> None:
    (row,) = rows(tmp_path, [prefix + ATTACK], {})
    assert row["student"] == "'" + prefix + ATTACK


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_a_formula_prefix_in_the_roster_name_is_neutralised(tmp_path: Path, prefix: str) -> None:
    (row,) = rows(tmp_path, ["ada"], {"ada": prefix + 'HYPERLINK("http://x")'})
    assert row["name"] == "'" + prefix + 'HYPERLINK("http://x")'
    assert row["student"] == "ada"


def test_cells_without_a_formula_prefix_are_kept(tmp_path: Path) -> None:
    ids = ["ada", "a=b", "x+1", "o'brien", " =not first"]
    found = rows(tmp_path, ids, {"ada": "Ada Lovelace", "a=b": "B-side"})
    assert [row["student"] for row in found] == ids
    assert [row["name"] for row in found] == ["Ada Lovelace", "B-side", "", "", ""]
    assert all(row["total"] == "1" and row["max_total"] == "1" for row in found)
