"""Tests for a one-exercise intake (`grade batch DIR --exercise ID`, grader.staff.intake.names
and .choice): an LMS download of one assignment keeps the students' own file names.

Every folder is built in tmp_path and the exact files, notes and warnings asserted; crafted
names try to file work under another student's id through the part the student wrote.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from grader.judge.notebook import extract_code
from grader.staff.intake import (
    ExerciseName,
    IntakeError,
    SourceFile,
    match_source,
    read_submissions,
)

EXERCISE = "exercise2"


def write(root: Path, relative: str, data: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data, encoding="utf-8")
    return path


def notebook(source: str) -> str:
    cells = [{"cell_type": "code", "id": "a", "metadata": {}, "source": [source], "outputs": []}]
    cells[0]["execution_count"] = None
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})


def code(source: str) -> bytes:
    """What intake reads from a notebook: its code cells, joined by the notebook extraction."""
    return extract_code(notebook(source).encode())[0].encode()


def files(folder: Path) -> dict[str, list[tuple[str, str, bytes]]]:
    intake = read_submissions(folder, [EXERCISE], single=True)
    return {s.student: [(f.exercise, f.origin, f.data) for f in s.files] for s in intake.students}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("relu.py", ExerciseName(EXERCISE, 0, False, named=False)),
        ("hw2-3.py", ExerciseName(EXERCISE, 3, False, named=False)),
        ("Exercise2.IPYNB", ExerciseName(EXERCISE, 0, True, named=True)),
        ("exercise3.py", ExerciseName(EXERCISE, 0, False, named=False)),
        ("notes.txt", None),
        ("relu.py.bak", None),
        (".relu.py", None),
    ],
)
def test_match_source_takes_any_python_or_notebook_name(
    name: str, expected: ExerciseName | None
) -> None:
    assert match_source(name, EXERCISE) == expected


def test_each_students_single_file_is_the_exercise_whatever_its_name(tmp_path: Path) -> None:
    write(tmp_path, "smith_jane_1001_5001_relu.py", "jane")
    write(tmp_path, "doe_john_LATE_1002_5002_hw2.ipynb", notebook("john = 1"))
    write(tmp_path, "alice/my_solution.py", "alice")
    write(tmp_path, "Bob Brown_1003_assignsubmission_file_/ReLU (1).py", "bob")
    with zipfile.ZipFile(tmp_path / "erin.zip", "w") as archive:
        archive.writestr("erin/week6/answer.py", "erin")
    intake = read_submissions(tmp_path, [EXERCISE], single=True)
    assert {s.student: [(f.origin, f.read()) for f in s.files] for s in intake.students} == {
        "1001": [("smith_jane_1001_5001_relu.py", b"jane")],
        "1002": [("doe_john_LATE_1002_5002_hw2.ipynb", code("john = 1"))],
        "1003": [("Bob Brown_1003_assignsubmission_file_/ReLU (1).py", b"bob")],
        "alice": [("alice/my_solution.py", b"alice")],
        "erin": [("erin.zip:erin/week6/answer.py", b"erin")],
    }
    assert intake.warnings == ()
    assert [s.late for s in intake.students] == [False, True, False, False, False]


def test_without_single_the_same_names_match_nothing(tmp_path: Path) -> None:
    write(tmp_path, "smith_jane_1001_5001_relu.py", "jane")
    intake = read_submissions(tmp_path, [EXERCISE])
    assert intake.students[0].files == ()
    assert intake.warnings == (
        "smith_jane_1001_5001_relu.py: not matched to an exercise; not graded",
    )


def test_several_files_take_the_newest_upload_with_one_warning_line(tmp_path: Path) -> None:
    write(tmp_path, "smith_jane_1001_5001_relu.py", "old")
    write(tmp_path, "smith_jane_1001_5007_relu-1.py", "new")
    write(tmp_path, "smith_jane_1001_5003_exercise2.py", "named")
    write(tmp_path, "smith_jane_1001_5004_notes.txt", "n")
    intake = read_submissions(tmp_path, [EXERCISE], single=True)
    (jane,) = intake.students
    assert [(f.origin, f.read()) for f in jane.files] == [
        ("smith_jane_1001_5007_relu-1.py", b"new")
    ]
    graded = "smith_jane_1001_5007_relu-1.py"
    ignored = "smith_jane_1001_5003_exercise2.py, smith_jane_1001_5001_relu.py"
    assert intake.warnings == (
        "smith_jane_1001_5004_notes.txt: not matched to an exercise; not graded",
        f"1001: exercise2: 3 source files; graded {graded} (the newest Canvas upload), "
        f"ignored {ignored}",
    )
    assert jane.files[0].notes == (f"3 source files: graded {graded} (the newest Canvas upload)",)


def test_the_rule_that_chose_is_named_for_folders(tmp_path: Path) -> None:
    write(tmp_path, "ann/relu.py", "a0")
    write(tmp_path, "ann/relu-2.py", "a2")
    write(tmp_path, "ben/helpers.py", "b0")
    write(tmp_path, "ben/Exercise2.py", "b1")
    write(tmp_path, "cy/relu.ipynb", notebook("c = 0"))
    write(tmp_path, "cy/relu.py", "c1")
    write(tmp_path, "dee/src/deep.py", "d0")
    write(tmp_path, "dee/top.py", "d1")
    write(tmp_path, "eve/b.py", "e1")
    write(tmp_path, "eve/a.py", "e0")
    intake = read_submissions(tmp_path, [EXERCISE], single=True)
    graded = {s.student: s.files[0].origin for s in intake.students}
    assert graded == {
        "ann": "ann/relu-2.py",
        "ben": "ben/Exercise2.py",
        "cy": "cy/relu.py",
        "dee": "dee/top.py",
        "eve": "eve/a.py",
    }
    assert intake.warnings == (
        "ann: exercise2: 2 source files; graded ann/relu-2.py (the highest re-submission "
        "number), ignored ann/relu.py",
        "ben: exercise2: 2 source files; graded ben/Exercise2.py (named for the exercise), "
        "ignored ben/helpers.py",
        "cy: exercise2: 2 source files; graded cy/relu.py (a .py before a notebook), "
        "ignored cy/relu.ipynb",
        "dee: exercise2: 2 source files; graded dee/top.py (the shallowest path), "
        "ignored dee/src/deep.py",
        "eve: exercise2: 2 source files; graded eve/a.py (the first by name), ignored eve/b.py",
    )


def test_the_choice_does_not_depend_on_the_order_files_are_found(tmp_path: Path) -> None:
    """Deterministic: the same folder written in another order grades the same files."""
    names = ["x_1001_5002_b.py", "x_1001_5002_a.py", "x_1001_5001_c.py", "y/q.py", "y/p-1.py"]
    first, second = tmp_path / "one", tmp_path / "two"
    for folder, order in ((first, names), (second, list(reversed(names)))):
        for name in order:
            write(folder, name, name)
    assert files(first) == files(second)
    assert [origin for _, origin, _ in files(first)["1001"]] == ["x_1001_5002_a.py"]


@pytest.mark.parametrize(
    "crafted",
    [
        "mallory_1001_9999_victim_1002_9998_relu.py",  # another user's id in the file name
        "mallory_1001_9999_1002_relu.py",
        "mallory_1001_9999_LATE_1002_9998_relu.py",
    ],
)
def test_the_original_file_name_never_files_work_under_another_id(
    tmp_path: Path, crafted: str
) -> None:
    write(tmp_path, "victim_1002_5001_relu.py", "victim's own")
    write(tmp_path, crafted, "mallory's")
    intake = read_submissions(tmp_path, [EXERCISE], single=True)
    got = {s.student: [(f.origin, f.read()) for f in s.files] for s in intake.students}
    assert got == {
        "1001": [(crafted, b"mallory's")],
        "1002": [("victim_1002_5001_relu.py", b"victim's own")],
    }
    assert intake.warnings == ()
    assert [s.late for s in intake.students] == [False, False]


def test_a_student_folder_named_like_a_canvas_id_is_two_sources(tmp_path: Path) -> None:
    """issue 18's rule holds in a one-exercise batch: nothing graded until staff choose."""
    write(tmp_path, "1002/relu.py", "from a folder")
    write(tmp_path, "victim_1002_5001_relu.py", "from canvas")
    intake = read_submissions(tmp_path, [EXERCISE], single=True)
    assert intake.students[0].files == ()
    assert "1002: 2 sources feed this id" in intake.warnings[0]
    chosen = read_submissions(tmp_path, [EXERCISE], single=True, sources={"1002": "canvas"})
    assert [f.read() for f in chosen.students[0].files] == [b"from canvas"]


def test_one_exercise_intake_needs_exactly_one_id(tmp_path: Path) -> None:
    with pytest.raises(IntakeError, match="needs one exercise id"):
        read_submissions(tmp_path, ["exercise1", "exercise2"], single=True)


def test_lazy_files_read_the_same_bytes(tmp_path: Path) -> None:
    write(tmp_path, "doe_john_1002_5002_hw2.ipynb", notebook("john = 2"))
    intake = read_submissions(tmp_path, [EXERCISE], single=True, lazy=True)
    (source,) = intake.students[0].files
    assert source.data == b"" and source.read() == code("john = 2")
    assert isinstance(source, SourceFile) and source.exercise == EXERCISE


@pytest.mark.parametrize("single", [True, False])
def test_a_canvas_name_holding_a_moodle_marker_files_nothing(tmp_path: Path, single: bool) -> None:
    """A Canvas upload named like a Moodle file of another student: ambiguous, not graded,
    and the other student's own work is graded as if it were not there."""
    crafted = "mallory_1001_9999_Bob Brown_1002_assignsubmission_file_exercise2.py"
    write(tmp_path, "victim_1002_5001_exercise2.py", "victim's own")
    write(tmp_path, crafted, "mallory's")
    intake = read_submissions(tmp_path, [EXERCISE], single=single)
    got = {s.student: [(f.origin, f.read()) for f in s.files] for s in intake.students}
    assert got == {"1002": [("victim_1002_5001_exercise2.py", b"victim's own")]}
    assert intake.warnings == (
        f"{crafted}: both a Canvas and a Moodle file name (one id is in the part the student "
        "wrote); not graded",
    )
