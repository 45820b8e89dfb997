"""Tests for grader.staff.intake.roster: ids, names, sources chosen per id."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.staff.intake import Intake, IntakeError, SourceFile, read_roster, read_submissions
from tests.intake_files import IDS, make_zip, student, write


def test_roster_names_absent_students_and_unknown_submitters(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    write(subs, "Alice/exercise1.py", "a1")
    write(subs, "smith_jane_123_456_exercise2.py", "j2")
    write(subs, "zed/exercise1.py", "z1")
    roster = write(
        tmp_path,
        "roster.csv",
        "id,name\nalice,Alice Adams\n123,Jane Smith\ndan,Dan Ng\n,Points Possible\n",
    )
    intake = read_submissions(subs, IDS, roster=roster)
    assert intake == Intake(
        (
            student(
                "123",
                (SourceFile("exercise2", "smith_jane_123_456_exercise2.py", b"j2"),),
                name="Jane Smith",
            ),
            student(
                "alice", (SourceFile("exercise1", "Alice/exercise1.py", b"a1"),), name="Alice Adams"
            ),
            student("dan", name="Dan Ng", notes=("no submission",)),
            student(
                "zed",
                (SourceFile("exercise1", "zed/exercise1.py", b"z1"),),
                notes=("not on the roster",),
            ),
        ),
        ("zed (zed): submitted but not on the roster",),
    )


def test_two_submissions_matching_one_roster_id_are_not_graded_until_staff_choose(
    tmp_path: Path,
) -> None:
    subs = tmp_path / "subs"
    write(subs, "alice/exercise1.py", "folder")
    make_zip(subs / "ALICE.zip", {"exercise1.py": "zip", "exercise2.py": "z2"})
    roster = write(tmp_path, "roster.csv", "login,display name\nalice,Alice Adams\n")
    intake = read_submissions(subs, IDS, roster=roster)
    assert intake == Intake(
        (
            student(
                "alice",
                name="Alice Adams",
                notes=(
                    "not graded: 2 sources feed this id; staff must choose",
                    "no gradable file found",
                ),
            ),
        ),
        (
            "alice: 2 sources feed this id (folder alice; zip ALICE.zip); nothing graded: "
            "choose one with --source alice=KIND (one of folder, zip, canvas, moodle) or the "
            "roster's source column, or rename one",
        ),
    )
    chosen = read_submissions(subs, IDS, roster=roster, sources={"alice": "zip"})
    assert chosen.students[0].files == (
        SourceFile("exercise1", "ALICE.zip:exercise1.py", b"zip"),
        SourceFile("exercise2", "ALICE.zip:exercise2.py", b"z2"),
    )
    assert chosen.warnings == ()
    with_column = write(tmp_path, "roster2.csv", "login,source\nalice,folder\n")
    by_roster = read_submissions(subs, IDS, roster=with_column)
    assert by_roster.students[0].files == (
        SourceFile("exercise1", "alice/exercise1.py", b"folder"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id,name\n1,A\n2,B\n", {"1": "A", "2": "B"}),
        ("\ufeffStudent ID,Full Name\n 7 , Ann \n", {"7": "Ann"}),
        ('email,student\nann@uni.edu,"Lee, Ann"\n', {"ann@uni.edu": "Lee, Ann"}),
        ("login\nann\n", {"ann": ""}),
        ("name,id,email\nAnn,1,ann@x\n", {"1": "Ann"}),
    ],
)
def test_read_roster_accepts_the_documented_columns(
    tmp_path: Path, text: str, expected: dict[str, str]
) -> None:
    assert read_roster(write(tmp_path, "roster.csv", text)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,section\nAnn,1\n", "no id column (one of id, student_id, login, email)"),
        ("id,name\n1,A\n1,B\n", "id '1' twice (line 3)"),
        ("", "no id column"),
    ],
)
def test_read_roster_errors_are_clear(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "roster.csv", text)
    with pytest.raises(IntakeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_roster(path)


def test_missing_folder_and_roster_raise_intake_error(tmp_path: Path) -> None:
    with pytest.raises(IntakeError, match="is not a folder"):
        read_submissions(tmp_path / "nope", IDS)
    with pytest.raises(IntakeError, match="roster"):
        read_submissions(tmp_path, IDS, roster=tmp_path / "missing.csv")
    with pytest.raises(IntakeError, match="max_archive_mb must be positive"):
        read_submissions(tmp_path, IDS, max_archive_mb=0)
