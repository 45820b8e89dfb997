"""Tests for grader.staff.intake:
every layout is built in tmp_path and the exact Intake asserted."""

from __future__ import annotations

import json
import os
import random
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.judge.notebook import extract_code
from grader.staff.intake import (
    CanvasName,
    ExerciseName,
    Intake,
    IntakeError,
    SourceFile,
    StudentSubmission,
    match_exercise,
    parse_canvas_name,
    read_roster,
    read_submissions,
)

IDS = ("exercise1", "exercise2", "exercise3", "exercise12")
MOODLE = "Jane Doe_4242_assignsubmission_file_"


def write(root: Path, relative: str, data: bytes | str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def make_zip(
    path: Path, entries: dict[str, bytes | str], method: int = zipfile.ZIP_DEFLATED
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def notebook(source: str) -> bytes:
    """A v4.5 notebook file: a markdown cell, then one code cell with `source`."""
    cells = [
        {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ["# Exercise"]},
        {
            "cell_type": "code",
            "id": "work",
            "metadata": {},
            "source": source.splitlines(keepends=True),
            "outputs": [],
            "execution_count": None,
        },
    ]
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    return json.dumps(document).encode()


def student(
    sid: str,
    files: tuple[SourceFile, ...] = (),
    *,
    name: str | None = None,
    late: bool = False,
    notes: tuple[str, ...] = (),
) -> StudentSubmission:
    return StudentSubmission(sid, sid if name is None else name, files, late, notes)


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


# --- Canvas ----------------------------------------------------------------------------------


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


# --- Moodle ----------------------------------------------------------------------------------


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


# --- zip archives ----------------------------------------------------------------------------


def test_zips_per_student_and_inside_a_student_folder_with_nested_folders(tmp_path: Path) -> None:
    make_zip(
        tmp_path / "bob.zip",
        {
            "hw/": "",
            "hw/exercise3.py": "b3",
            "hw/helper.py": "h",
            "__MACOSX/hw/._exercise3.py": "junk",
            "hw/.hidden.py": "x",
            "hw/inner.zip": "x",
        },
    )
    make_zip(tmp_path / "alice" / "upload.zip", {"deep/er/exercise1.ipynb": notebook("y = 1")})
    write(tmp_path, "alice/exercise2.py", "a2")
    intake = read_submissions(tmp_path, IDS)
    code, _ = extract_code(notebook("y = 1"))
    assert intake == Intake(
        (
            student(
                "alice",
                (
                    SourceFile(
                        "exercise1", "alice/upload.zip:deep/er/exercise1.ipynb", code.encode()
                    ),
                    SourceFile("exercise2", "alice/exercise2.py", b"a2"),
                ),
            ),
            student("bob", (SourceFile("exercise3", "bob.zip:hw/exercise3.py", b"b3"),)),
        ),
        (
            "bob.zip:hw/helper.py: not matched to an exercise; not graded",
            "bob.zip:hw/inner.zip: not matched to an exercise (archives inside archives are not "
            "opened); not graded",
        ),
    )


def _symlink_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("exercise1.py", "fine")
        link = zipfile.ZipInfo("exercise2.py")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")


def _encrypted_zip(path: Path) -> None:
    make_zip(path, {"exercise1.py": "secret"}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1  # general purpose flag: encrypted
    path.write_bytes(bytes(data))


def _corrupt_crc_zip(path: Path) -> None:
    make_zip(path, {"exercise1.py": "print('hello')"}, zipfile.ZIP_STORED)
    path.write_bytes(path.read_bytes().replace(b"print('hello')", b"print('HELLO')", 1))


def _hex_text(size: int) -> str:
    return random.Random(0).randbytes(size // 2).hex()


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (
            lambda p: make_zip(p, {"exercise1.py": "ok", "../x.py": "x"}),
            "entry '../x.py' has a '..' component",
        ),
        (
            lambda p: make_zip(p, {"a\\..\\..\\x.py": "x"}),
            "entry 'a\\\\..\\\\..\\\\x.py' has a '..' component",
        ),
        (
            lambda p: make_zip(p, {"/etc/exercise1.py": "x"}),
            "entry '/etc/exercise1.py' has an absolute path",
        ),
        (
            lambda p: make_zip(p, {"C:/exercise1.py": "x"}),
            "entry 'C:/exercise1.py' has an absolute path",
        ),
        (_symlink_zip, "entry 'exercise2.py' is a symbolic link"),
        (_encrypted_zip, "entry 'exercise1.py' is encrypted"),
        (
            lambda p: make_zip(p, {"exercise1.py": "ok", "big.txt": b"\0" * (3 << 20)}),
            "entry 'big.txt' expands ",
        ),
        (
            lambda p: make_zip(p, {"exercise1.py": "ok", "data.txt": _hex_text(3 << 20)}),
            "entries total 3.0 MB uncompressed, over the limit",
        ),
        (
            lambda p: make_zip(p, {"e.txt": _hex_text(3 << 20)}, zipfile.ZIP_STORED),
            "the archive is over the 2 MB limit",
        ),
        (
            lambda p: write(p.parent, p.name, "not a zip"),
            "not a readable zip (BadZipFile: File is not a zip file)",
        ),
        (
            _corrupt_crc_zip,
            "not a readable zip (BadZipFile: Bad CRC-32 for file 'exercise1.py')",
        ),
    ],
    ids=[
        "dotdot",
        "backslash-dotdot",
        "absolute",
        "drive",
        "symlink",
        "encrypted",
        "bomb",
        "oversize",
        "archive-too-big",
        "not-zip",
        "bad-crc",
    ],
)
def test_a_malicious_or_broken_zip_is_rejected_whole_and_the_rest_is_graded(
    tmp_path: Path, build: Callable[[Path], object], reason: str
) -> None:
    build(tmp_path / "mallory.zip")
    write(tmp_path, "mallory/exercise3.py", "m3")
    intake = read_submissions(tmp_path, IDS, max_archive_mb=2)
    (mallory,) = intake.students
    assert mallory.files == (SourceFile("exercise3", "mallory/exercise3.py", b"m3"),)
    (warning,) = intake.warnings
    assert warning.startswith(f"mallory.zip: archive not graded: {reason}")
    assert mallory.notes == (
        warning.replace("mallory.zip: archive not graded", "archive mallory.zip not graded"),
    )


def test_bomb_reason_names_the_ratio(tmp_path: Path) -> None:
    make_zip(tmp_path / "eve.zip", {"big.txt": b"\0" * (3 << 20)})
    (warning,) = read_submissions(tmp_path, IDS).warnings
    assert warning.startswith("eve.zip: archive not graded: entry 'big.txt' expands ")
    ratio = int(warning.split("expands ")[1].split("x")[0])
    assert ratio > 100
    assert warning.endswith("x (compression bomb)")


def test_a_rejected_zip_is_never_extracted_to_disk(tmp_path: Path) -> None:
    make_zip(tmp_path / "subs" / "mallory.zip", {"../escaped.py": "x", "exercise1.py": "m1"})
    intake = read_submissions(tmp_path / "subs", IDS)
    assert intake.students[0].files == ()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["mallory.zip", "subs"]


# --- roster ----------------------------------------------------------------------------------


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
