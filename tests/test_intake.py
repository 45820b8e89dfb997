"""Tests for grader.staff.intake (the reader and the choice of files): every layout is built
in tmp_path and the exact Intake asserted. Canvas, Moodle, archives and the roster have their
own files (tests/test_intake_*.py)."""

from __future__ import annotations

import os
from pathlib import Path

from grader.judge.notebook import extract_code
from grader.staff.intake import (
    Intake,
    SourceFile,
    read_submissions,
)
from tests.intake_files import IDS, MOODLE, make_zip, notebook, student, write

# --- one folder per student ------------------------------------------------------------------


def test_student_folders_with_nested_folders_and_silently_skipped_clutter(tmp_path: Path) -> None:
    write(tmp_path, "alice/exercise1.py", "a1")
    write(tmp_path, "alice/hw/week6/exercise2.py", "a2")
    write(tmp_path, "alice/.DS_Store", "x")
    write(tmp_path, "alice/.ipynb_checkpoints/exercise1-checkpoint.ipynb", "x")
    write(tmp_path, "alice/__pycache__/exercise1.cpython-311.pyc", "x")
    write(tmp_path, "alice/hw/__MACOSX/exercise3.py", "x")
    write(tmp_path, "bob/Exercise12.PY", "b12")
    write(tmp_path, ".hidden/exercise1.py", "x")
    intake = read_submissions(tmp_path, IDS)
    assert intake == Intake(
        (
            student(
                "alice",
                (
                    SourceFile("exercise1", "alice/exercise1.py", b"a1"),
                    SourceFile("exercise2", "alice/hw/week6/exercise2.py", b"a2"),
                ),
            ),
            student("bob", (SourceFile("exercise12", "bob/Exercise12.PY", b"b12"),)),
        ),
        (),
    )


def test_unmatched_files_are_warned_never_silently_ignored(tmp_path: Path) -> None:
    write(tmp_path, "alice/exercise1.py", "a1")
    write(tmp_path, "alice/notes.txt", "n")
    write(tmp_path, "alice/exercise99.py", "x")
    write(tmp_path, "alice/helper.py", "x")
    write(tmp_path, "alice/exercise1.py.bak", "x")
    write(tmp_path, "carol/readme.md", "x")
    write(
        tmp_path, "carol/timestamp.txt", "2026-03-02 22:59:12 UTC"
    )  # nbgrader's, read for lateness
    write(tmp_path, "exercise2.py", "whose?")
    intake = read_submissions(tmp_path, IDS)
    assert intake.students == (
        student("alice", (SourceFile("exercise1", "alice/exercise1.py", b"a1"),)),
        student("carol", notes=("no gradable file found",)),
    )
    assert intake.warnings == (
        "alice/exercise1.py.bak: not matched to an exercise; not graded",
        "alice/exercise99.py: not matched to an exercise; not graded",
        "alice/helper.py: not matched to an exercise; not graded",
        "alice/notes.txt: not matched to an exercise; not graded",
        "carol/readme.md: not matched to an exercise; not graded",
        "exercise2.py: not in a student folder, nor a Canvas, Moodle or zip file name; not graded",
    )


def test_unmatched_warnings_are_capped_per_student_with_a_count(tmp_path: Path) -> None:
    for number in range(25):
        write(tmp_path, f"alice/data/file{number:02d}.csv", "x")
    intake = read_submissions(tmp_path, IDS)
    assert len(intake.warnings) == 21
    assert intake.warnings[0] == "alice/data/file00.csv: not matched to an exercise; not graded"
    assert intake.warnings[19] == "alice/data/file19.csv: not matched to an exercise; not graded"
    assert intake.warnings[20] == "alice: 5 more unmatched files, not listed"


def test_symlinks_are_not_followed_and_are_warned(tmp_path: Path) -> None:
    secret = write(tmp_path, "outside/secret.py", "SECRET")
    subs = tmp_path / "subs"
    write(subs, "alice/exercise1.py", "a1")
    os.symlink(secret, subs / "alice" / "exercise2.py")
    os.symlink(secret.parent, subs / "alice" / "linked")
    os.symlink(secret.parent, subs / "mallory")
    intake = read_submissions(subs, IDS)
    assert intake.students == (
        student("alice", (SourceFile("exercise1", "alice/exercise1.py", b"a1"),)),
    )
    assert intake.warnings == (
        "alice/exercise2.py: a symbolic link, not followed; not graded",
        "alice/linked: a symbolic link, not followed; not graded",
        "mallory: a symbolic link, not followed; not graded",
    )
    assert all(b"SECRET" not in f.data for s in intake.students for f in s.files)


def test_a_file_over_the_size_cap_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, "alice/exercise1.py", b"#" * ((1 << 20) + 1))
    write(tmp_path, "alice/exercise2.py", b"#" * (1 << 20))
    intake = read_submissions(tmp_path, IDS, max_archive_mb=1)
    assert [f.origin for f in intake.students[0].files] == ["alice/exercise2.py"]
    assert intake.warnings == ("alice/exercise1.py: over 1 MB; not graded",)


def test_a_student_with_several_files_for_one_exercise_gets_the_shallowest_and_a_warning(
    tmp_path: Path,
) -> None:
    write(tmp_path, "alice/old/exercise1.py", "old")
    write(tmp_path, "alice/exercise1.py", "top")
    write(tmp_path, "alice/zz/exercise1.py", "other")
    intake = read_submissions(tmp_path, IDS)
    assert intake.students[0].files == (SourceFile("exercise1", "alice/exercise1.py", b"top"),)
    assert intake.warnings == (
        "alice: exercise1: several files; graded alice/exercise1.py, "
        "ignored alice/old/exercise1.py, alice/zz/exercise1.py",
    )


# --- notebooks -------------------------------------------------------------------------------


def test_a_notebook_is_graded_as_its_extracted_code_with_notes(tmp_path: Path) -> None:
    data = notebook("%matplotlib inline\nimport torch\n!ls\ndef f():\n    return 1")
    write(tmp_path, "alice/exercise3.ipynb", data)
    intake = read_submissions(tmp_path, IDS)
    code, notes = extract_code(data)
    assert notes == ["dropped 2 IPython magic/shell lines"]
    assert intake == Intake(
        (
            student(
                "alice",
                (
                    SourceFile(
                        "exercise3",
                        "alice/exercise3.ipynb",
                        code.encode(),
                        notes=("dropped 2 IPython magic/shell lines",),
                    ),
                ),
            ),
        ),
        (),
    )
    assert b"# cell 2\npass" in intake.students[0].files[0].data


def test_py_is_preferred_over_ipynb_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "alice/exercise3.ipynb", notebook("x = 1"))
    write(tmp_path, "alice/hw/exercise3.py", "x = 2")
    intake = read_submissions(tmp_path, IDS)
    assert intake.students[0].files == (SourceFile("exercise3", "alice/hw/exercise3.py", b"x = 2"),)
    assert intake.warnings == (
        "alice: exercise3: both .py and .ipynb; graded alice/hw/exercise3.py, "
        "ignored alice/exercise3.ipynb",
    )


def test_a_corrupt_notebook_is_not_graded_and_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "alice/exercise3.ipynb", "{not json")
    intake = read_submissions(tmp_path, IDS)
    reason = "not a valid notebook: Notebook does not appear to be JSON: '{not json'"
    assert intake == Intake(
        (
            student(
                "alice",
                notes=(f"alice/exercise3.ipynb: {reason}", "no gradable file found"),
            ),
        ),
        (f"alice/exercise3.ipynb: {reason}; not graded",),
    )


# --- everything at once ----------------------------------------------------------------------


def build_mixed(root: Path) -> None:
    """All four layouts side by side, with the usual clutter and one hostile archive."""
    write(root, "alice/exercise1.py", "a1")
    write(root, "alice/hw/exercise2.ipynb", notebook("%matplotlib inline\nx = 1"))
    write(root, "alice/notes.txt", "n")
    write(root, "alice/.DS_Store", "x")
    make_zip(root / "bob.zip", {"hw/exercise3.py": "b3", "__MACOSX/hw/._exercise3.py": "m"})
    for number, name in enumerate(["exercise2.py", "exercise2-1.py", "exercise2-2.py"]):
        write(root, f"smith_jane_LATE_123_{456 + number}_{name}", name)
    write(root, "smith_jane_LATE_123_459_exercise99.py", "x")
    write(root, f"{MOODLE}/exercise3.py", "d3")
    write(root, f"{MOODLE}/exercise3.ipynb", notebook("x = 3"))
    write(root, "README.txt", "r")
    make_zip(root / "mallory.zip", {"../x.py": "x", "exercise1.py": "m1"})


def test_a_mixed_folder_with_all_layouts(tmp_path: Path) -> None:
    build_mixed(tmp_path)
    intake = read_submissions(tmp_path, IDS)
    notebook_code = extract_code(notebook("%matplotlib inline\nx = 1"))[0].encode()
    assert intake == Intake(
        (
            student(
                "123",
                (
                    SourceFile(
                        "exercise2",
                        "smith_jane_LATE_123_458_exercise2-2.py",
                        b"exercise2-2.py",
                        True,
                        ("latest Canvas submission (458) used; 2 older ignored",),
                    ),
                ),
                name="smith jane",
                late=True,
            ),
            student(
                "4242", (SourceFile("exercise3", f"{MOODLE}/exercise3.py", b"d3"),), name="Jane Doe"
            ),
            student(
                "alice",
                (
                    SourceFile("exercise1", "alice/exercise1.py", b"a1"),
                    SourceFile(
                        "exercise2",
                        "alice/hw/exercise2.ipynb",
                        notebook_code,
                        notes=("dropped 1 IPython magic/shell line",),
                    ),
                ),
            ),
            student("bob", (SourceFile("exercise3", "bob.zip:hw/exercise3.py", b"b3"),)),
            student(
                "mallory",
                notes=(
                    "archive mallory.zip not graded: entry '../x.py' has a '..' component",
                    "no gradable file found",
                ),
            ),
        ),
        (
            "README.txt: not in a student folder, nor a Canvas, Moodle or zip file name; "
            "not graded",
            "alice/notes.txt: not matched to an exercise; not graded",
            "mallory.zip: archive not graded: entry '../x.py' has a '..' component",
            "smith_jane_LATE_123_459_exercise99.py: not matched to an exercise; not graded",
            f"4242: exercise3: both .py and .ipynb; graded {MOODLE}/exercise3.py, "
            f"ignored {MOODLE}/exercise3.ipynb",
        ),
    )


def test_reading_is_deterministic_and_leaves_the_folder_unchanged(tmp_path: Path) -> None:
    build_mixed(tmp_path)
    before = sorted((p.relative_to(tmp_path), p.stat().st_size) for p in tmp_path.rglob("*"))
    first = read_submissions(tmp_path, IDS)
    second = read_submissions(tmp_path, list(IDS))
    assert first == second
    assert (
        sorted((p.relative_to(tmp_path), p.stat().st_size) for p in tmp_path.rglob("*")) == before
    )
