"""Tests for grader.staff.intake.moodle: folders and flat files, ids from the LMS's end."""

from __future__ import annotations

from pathlib import Path

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
