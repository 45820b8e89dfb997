"""Tests for grader.staff.intake.moodle: folders and flat files, ids from the LMS's end."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.staff.intake import Intake, SourceFile, read_submissions
from tests.intake_files import IDS, MOODLE, student, write


def test_moodle_folders_and_flat_files_use_the_participant_id(tmp_path: Path) -> None:
    write(tmp_path, f"{MOODLE}/exercise1.py", "m1")
    write(tmp_path, "Jane Doe_4242_assignsubmission_onlinetext_/onlinetext.html", "<p>hi</p>")
    write(tmp_path, "Ann Lee_99_assignsubmission_file_exercise2.py", "a2")
    intake = read_submissions(tmp_path, IDS)
    assert intake == Intake(
        (
            student(
                "4242", (SourceFile("exercise1", f"{MOODLE}/exercise1.py", b"m1"),), name="Jane Doe"
            ),
            student(
                "99",
                (SourceFile("exercise2", "Ann Lee_99_assignsubmission_file_exercise2.py", b"a2"),),
                name="Ann Lee",
            ),
        ),
        (
            "Jane Doe_4242_assignsubmission_onlinetext_/onlinetext.html: "
            "not matched to an exercise; not graded",
        ),
    )


def test_a_flat_file_name_with_two_moodle_ids_is_not_graded(tmp_path: Path) -> None:
    crafted = "Eve_7_assignsubmission_file_Bob_8_assignsubmission_file_exercise1.py"
    write(tmp_path, crafted, "e1")
    write(tmp_path, "Ann Lee_99_assignsubmission_file_exercise2.py", "a2")
    intake = read_submissions(tmp_path, IDS)
    assert [s.student for s in intake.students] == ["99"]
    assert intake.warnings == (
        f"{crafted}: two Moodle ids in one file name (one is in the display name or the file "
        "name); not graded",
    )


@pytest.mark.parametrize(
    ("crafted", "display"),
    [
        (
            "Eve_7_assignsubmission_file_Bob_8_assignsubmission_file_",
            "Eve_7_assignsubmission_file_Bob",
        ),
        # the display name ends where the second marker's underscore begins
        ("Eve_7_assignsubmission_file_8_assignsubmission_file_", "Eve_7_assignsubmission_file"),
    ],
)
def test_a_folder_whose_display_name_holds_another_id_is_filed_under_the_last(
    tmp_path: Path, crafted: str, display: str
) -> None:
    write(tmp_path, f"{crafted}/exercise1.py", "e1")
    intake = read_submissions(tmp_path, IDS)
    assert intake.students == (
        student(
            "8",
            (SourceFile("exercise1", f"{crafted}/exercise1.py", b"e1"),),
            name=display,
        ),
    )
    assert intake.warnings == (
        f"{crafted}: the display name holds another Moodle id; filed under 8, the id at the "
        "end (written by Moodle)",
    )


def test_a_participant_s_folder_and_flat_files_are_one_moodle_source(tmp_path: Path) -> None:
    """Moodle writes both layouts for one participant: one source, both files graded."""
    write(tmp_path, f"{MOODLE}/exercise1.py", "m1")
    write(tmp_path, "Jane Doe_4242_assignsubmission_file_exercise2.py", "m2")
    intake = read_submissions(tmp_path, IDS)
    assert intake.warnings == ()
    (jane,) = intake.students
    assert [(f.exercise, f.read()) for f in jane.files] == [
        ("exercise1", b"m1"),
        ("exercise2", b"m2"),
    ]


def test_a_moodle_source_beside_a_folder_is_named_and_chosen_by_its_kind(tmp_path: Path) -> None:
    write(tmp_path, f"{MOODLE}/exercise1.py", "moodle folder")
    write(tmp_path, "Jane Doe_4242_assignsubmission_file_exercise2.py", "moodle file")
    write(tmp_path, "4242/exercise1.py", "plain folder")
    unchosen = read_submissions(tmp_path, IDS)
    assert unchosen.students[0].files == ()
    assert unchosen.warnings == (
        "4242: 2 sources feed this id (Moodle Jane Doe (4242); folder 4242); nothing graded: "
        "choose one with --source 4242=KIND (one of folder, zip, canvas, moodle) or the "
        "roster's source column, or rename one",
    )
    chosen = read_submissions(tmp_path, IDS, sources={"4242": "moodle"})
    assert [(f.exercise, f.read()) for f in chosen.students[0].files] == [
        ("exercise1", b"moodle folder"),
        ("exercise2", b"moodle file"),
    ]


def test_a_moodle_folder_is_read_as_deep_as_a_student_folder(tmp_path: Path) -> None:
    deepest = "/".join(f"d{level}" for level in range(1, 8))  # seven folders below the top one
    write(tmp_path, f"{MOODLE}/{deepest}/exercise1.py", "deep")
    write(tmp_path, f"4243/{deepest}/exercise2.py", "deep too")
    write(tmp_path, f"{MOODLE}/{deepest}/d8/exercise3.py", "too deep")
    intake = read_submissions(tmp_path, IDS)
    assert [(s.student, [f.read() for f in s.files]) for s in intake.students] == [
        ("4242", [b"deep"]),
        ("4243", [b"deep too"]),
    ]
    assert intake.warnings == (f"{MOODLE}/{deepest}/d8: nested too deep; not read",)


def test_a_flat_moodle_file_beside_a_folder_is_named_in_the_warning(tmp_path: Path) -> None:
    write(tmp_path, "Ann Lee_99_assignsubmission_file_exercise2.py", "moodle file")
    write(tmp_path, "99/exercise1.py", "plain folder")
    intake = read_submissions(tmp_path, IDS)
    assert intake.warnings == (
        "99: 2 sources feed this id (Moodle Ann Lee (99); folder 99); nothing graded: "
        "choose one with --source 99=KIND (one of folder, zip, canvas, moodle) or the "
        "roster's source column, or rename one",
    )
