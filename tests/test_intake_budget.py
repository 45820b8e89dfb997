"""A student's size budget skips only the file that does not fit: a later, smaller exercise that
still fits is graded (nothing of a student's work is dropped that the budget could hold)."""

from __future__ import annotations

from pathlib import Path

from intake_files import write

from grader.staff.intake import read_submissions

IDS = ("exercise1", "exercise2", "exercise3")


def test_a_file_over_what_is_left_is_skipped_and_a_later_one_that_fits_is_graded(
    tmp_path: Path,
) -> None:
    half = 1 << 19
    write(tmp_path, "ann/exercise1.py", b"a" * half)
    write(tmp_path, "ann/exercise2.py", b"b" * (half + 1))
    write(tmp_path, "ann/exercise3.py", b"c" * half)
    intake = read_submissions(tmp_path, IDS, max_archive_mb=1)
    (ann,) = intake.students
    assert [(f.exercise, f.read()) for f in ann.files] == [
        ("exercise1", b"a" * half),
        ("exercise3", b"c" * half),
    ]
    assert ann.notes == ("exercise2 not graded: over this student's memory budget",)
    assert intake.warnings == (
        "ann: exercise2: ann/exercise2.py not graded: this student's files total over the "
        "1 MB budget",
    )
