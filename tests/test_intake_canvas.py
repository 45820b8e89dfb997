"""Tests for grader.staff.intake.canvas: Canvas names, re-submissions, LATE, zips."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.staff.intake import (
    CanvasName,
    ExerciseName,
    Intake,
    SourceFile,
    match_exercise,
    parse_canvas_name,
    read_submissions,
)
from tests.intake_files import IDS, make_zip, student, write


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "smith_jane_123_456_exercise2.py",
            CanvasName("smith jane", "123", False, "exercise2.py", "456"),
        ),
        (
            "smith_jane_LATE_123_456_exercise2-1.py",
            CanvasName("smith jane", "123", True, "exercise2-1.py", "456"),
        ),
        (
            "smithjane_late_123_456_hw_6.zip",
            CanvasName("smithjane", "123", True, "hw_6.zip", "456"),
        ),
        ("smith_jane_123_LATE_456_a.py", CanvasName("smith jane", "123", True, "a.py", "456")),
        (
            "smith_jane_123_456_2024_06_ex.py",
            CanvasName("smith jane", "123", False, "2024_06_ex.py", "456"),
        ),
        ("late_john_123_456_a.py", CanvasName("late john", "123", False, "a.py", "456")),
        ("exercise2.py", None),
        ("alice.zip", None),
        ("smith_123_exercise2.py", None),
        ("123_456_exercise2.py", None),
        ("smith__123_456_exercise2.py", None),
        ("smith_jane_123_456_", None),
        ("smith_jane_123_456", None),
    ],
)
def test_parse_canvas_name(name: str, expected: CanvasName | None) -> None:
    assert parse_canvas_name(name) == expected


def test_canvas_resubmissions_take_the_latest_submission_id_and_keep_the_late_flag(
    tmp_path: Path,
) -> None:
    """The submission id is Canvas's; the `-2` suffix is in the student's file name."""
    write(tmp_path, "smith_jane_LATE_123_456_exercise2.py", "v0")
    write(tmp_path, "smith_jane_LATE_123_457_exercise2-2.py", "v2")
    write(tmp_path, "smith_jane_LATE_123_458_exercise2-1.py", "v1")
    write(tmp_path, "smith_jane_LATE_123_459_exercise1.py", "e1")
    write(tmp_path, "doe_john_77_88_exercise3.py", "d3")
    write(tmp_path, "doe_john_77_89_notes.txt", "n")
    intake = read_submissions(tmp_path, IDS)
    assert intake == Intake(
        (
            student(
                "123",
                (
                    SourceFile("exercise1", "smith_jane_LATE_123_459_exercise1.py", b"e1", True),
                    SourceFile(
                        "exercise2",
                        "smith_jane_LATE_123_458_exercise2-1.py",
                        b"v1",
                        True,
                        ("latest Canvas submission (458) used; 2 older ignored",),
                    ),
                ),
                name="smith jane",
                late=True,
            ),
            student(
                "77",
                (SourceFile("exercise3", "doe_john_77_88_exercise3.py", b"d3"),),
                name="doe john",
            ),
        ),
        ("doe_john_77_89_notes.txt: not matched to an exercise; not graded",),
    )


def test_a_canvas_zip_is_opened_for_that_student(tmp_path: Path) -> None:
    make_zip(tmp_path / "smith_jane_123_456_submission.zip", {"work/exercise1.py": "z1"})
    intake = read_submissions(tmp_path, IDS)
    assert intake.students == (
        student(
            "123",
            (
                SourceFile(
                    "exercise1", "smith_jane_123_456_submission.zip:work/exercise1.py", b"z1"
                ),
            ),
            name="smith jane",
        ),
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("exercise2.py", ExerciseName("exercise2", 0, False)),
        ("exercise2-3.ipynb", ExerciseName("exercise2", 3, True)),
        ("EXERCISE12.IPYNB", ExerciseName("exercise12", 0, True)),
        ("exercise1-2-3.py", None),
        ("exercise-1.py", None),
        ("exercise13.py", None),
        ("exercise2.pyc", None),
        ("exercise2 (1).py", None),
    ],
)
def test_match_exercise(name: str, expected: ExerciseName | None) -> None:
    assert match_exercise(name, IDS) == expected


def test_one_late_upload_marks_the_student_late_whichever_file_is_read_last(
    tmp_path: Path,
) -> None:
    (tmp_path / "ann_LATE_123_456_exercise1.py").write_text("x = 1\n")
    (tmp_path / "bob_123_457_exercise2.py").write_text("x = 2\n")  # read after the late one
    (student,) = read_submissions(tmp_path, ["exercise1", "exercise2"]).students
    assert (student.student, student.late) == ("123", True)
    assert [(f.origin, f.late) for f in student.files] == [
        ("ann_LATE_123_456_exercise1.py", True),
        ("bob_123_457_exercise2.py", False),
    ]
