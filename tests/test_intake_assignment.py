"""Which student and which file each source is graded as (intake's student assignment), with
every warning and note written out: the names that are skipped, re-submissions, the .py over
the notebook, the per-student budget, several sources feeding one id, the roster.

Direct calls on files written into tmp_path; no sandbox, so each test takes milliseconds."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from intake_files import make_zip, notebook, write

from grader.judge.notebook import extract_code
from grader.staff.intake import (
    ExerciseName,
    Intake,
    IntakeError,
    SourceFile,
    StudentSubmission,
    match_exercise,
    match_source,
    read_roster_file,
    read_submissions,
)
from grader.staff.intake.choice import resolve
from grader.staff.intake.names import skipped_path
from grader.staff.intake.reader import Reader

IDS = ("exercise1", "exercise2", "exercise3")
# written out, not imported: the documented names that are never a submission
LITTER = ("__pycache__", "__MACOSX", "Thumbs.db", "desktop.ini", "timestamp.txt")


def graded(intake: Intake) -> dict[str, list[tuple[str, str, bytes]]]:
    return {s.student: [(f.exercise, f.origin, f.read()) for f in s.files] for s in intake.students}


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("exercise1.py", ExerciseName("exercise1", 0, False)),
        ("EXERCISE1.PY", ExerciseName("exercise1", 0, False)),
        ("exercise3.IPYNB", ExerciseName("exercise3", 0, True)),
        ("exercise2-7.py", ExerciseName("exercise2", 7, False)),
        ("exercise2-12.ipynb", ExerciseName("exercise2", 12, True)),
        ("exercise2-.py", None),
        ("exercise2.txt", None),
        ("exercise4.py", None),
        ("xexercise1.py", None),
        ("exercise1.py.bak", None),
    ],
)
def test_match_exercise_reads_the_exercise_resubmission_and_kind(
    name: str, expected: ExerciseName | None
) -> None:
    found = match_exercise(name, IDS)
    assert found == expected
    if found is not None:
        assert found.named is True


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("anything.py", ExerciseName("exercise2", 0, False, named=False)),
        ("hw.IPYNB", ExerciseName("exercise2", 0, True, named=False)),
        ("relu-3.py", ExerciseName("exercise2", 3, False, named=False)),
        ("EXERCISE2-1.ipynb", ExerciseName("exercise2", 1, True, named=True)),
        (".exercise2.py", None),
        ("._relu.py", None),
        ("relu.pyc", None),
    ],
)
def test_match_source_in_a_one_exercise_batch(name: str, expected: ExerciseName | None) -> None:
    assert match_source(name, "exercise2") == expected


@pytest.mark.parametrize(
    ("path", "skipped"),
    [
        ("exercise1.py", False),
        ("work/exercise1.py", False),
        ("/work//exercise1.py", False),
        (".git/exercise1.py", True),
        ("work/.hidden/exercise1.py", True),
        ("work/.exercise1.py", True),
        *((f"{name}/exercise1.py", True) for name in LITTER),
        *((f"work/{name}", True) for name in LITTER),
        ("work/Thumbs.db.py", False),
    ],
)
def test_skipped_paths(path: str, skipped: bool) -> None:
    assert skipped_path(path) is skipped


def test_litter_and_hidden_files_are_skipped_silently_everywhere(tmp_path: Path) -> None:
    """In a folder, in a nested folder, in a zip and at the top: no warning, no candidate."""
    for name in LITTER:
        write(tmp_path, f"ann/{name}", "x")
        write(tmp_path, f"ann/deep/{name}", "x")
        write(tmp_path, name, "x")
    write(tmp_path, "ann/.exercise1.py", "hidden")
    write(tmp_path, "ann/exercise1.py", "ann")
    make_zip(
        tmp_path / "bob.zip",
        {
            **{f"{name}/exercise1.py": "litter" for name in LITTER},
            **{f"w/{name}": "litter" for name in LITTER},
            ".git/exercise1.py": "hidden",
            "w/exercise1.py": "bob",
        },
    )
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {
        "ann": [("exercise1", "ann/exercise1.py", b"ann")],
        "bob": [("exercise1", "bob.zip:w/exercise1.py", b"bob")],
    }
    assert intake.warnings == ()
    assert [s.notes for s in intake.students] == [(), ()]


# --- choosing one file -------------------------------------------------------------------


def test_the_whole_choice_for_one_student_with_every_rule(tmp_path: Path) -> None:
    write(tmp_path, "ann/exercise1.py", "top")
    write(tmp_path, "ann/sub/exercise1.py", "deep")
    write(tmp_path, "ann/exercise2.py", "r0")
    write(tmp_path, "ann/exercise2-2.py", "r2")
    write(tmp_path, "ann/exercise2-1.py", "r1")
    write(tmp_path, "ann/exercise3.ipynb", notebook("nb = 1"))
    write(tmp_path, "ann/Exercise3.PY", "py")
    write(tmp_path, "ann/readme.txt", "words")
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {
        "ann": [
            ("exercise1", "ann/exercise1.py", b"top"),
            ("exercise2", "ann/exercise2-2.py", b"r2"),
            ("exercise3", "ann/Exercise3.PY", b"py"),
        ]
    }
    (ann,) = intake.students
    assert [f.notes for f in ann.files] == [(), ("re-submission -2 used; 2 older ignored",), ()]
    assert ann.notes == ()
    assert ann.late is False
    assert intake.warnings == (
        "ann/readme.txt: not matched to an exercise; not graded",
        "ann: exercise1: several files; graded ann/exercise1.py, ignored ann/sub/exercise1.py",
        "ann: exercise3: both .py and .ipynb; graded ann/Exercise3.PY, ignored ann/exercise3.ipynb",
    )


def test_a_resubmission_beats_a_shallower_file_and_ties_are_warned(tmp_path: Path) -> None:
    write(tmp_path, "ann/exercise1-1.py", "one")
    write(tmp_path, "ann/deep/exercise1-3.py", "three")
    write(tmp_path, "ann/other/exercise1-3.py", "three too")
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {"ann": [("exercise1", "ann/deep/exercise1-3.py", b"three")]}
    assert intake.students[0].files[0].notes == ("re-submission -3 used; 1 older ignored",)
    assert intake.warnings == (
        "ann: exercise1: several files; graded ann/deep/exercise1-3.py, ignored "
        "ann/other/exercise1-3.py",
    )


def test_a_notebook_alone_and_its_resubmission(tmp_path: Path) -> None:
    write(tmp_path, "ann/exercise1.ipynb", notebook("a = 0"))
    write(tmp_path, "ann/exercise1-1.ipynb", notebook("a = 1"))
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {
        "ann": [("exercise1", "ann/exercise1-1.ipynb", extract_code(notebook("a = 1"))[0].encode())]
    }
    assert intake.students[0].files[0].notes == ("re-submission -1 used; 1 older ignored",)
    assert intake.warnings == ()


def test_a_py_resubmission_counts_only_py_files_as_older(tmp_path: Path) -> None:
    write(tmp_path, "ann/exercise1-2.py", "py2")
    write(tmp_path, "ann/exercise1-1.py", "py1")
    write(tmp_path, "ann/exercise1-5.ipynb", notebook("nb = 5"))
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {"ann": [("exercise1", "ann/exercise1-2.py", b"py2")]}
    assert intake.students[0].files[0].notes == ("re-submission -2 used; 1 older ignored",)
    assert intake.warnings == (
        "ann: exercise1: both .py and .ipynb; graded ann/exercise1-2.py, ignored "
        "ann/exercise1-5.ipynb",
    )


def test_a_student_with_nothing_gradable_and_a_roster_student_with_nothing(
    tmp_path: Path,
) -> None:
    write(tmp_path, "ann/notes.txt", "words")
    roster = write(
        tmp_path.parent / f"{tmp_path.name}-roster.csv", "", "id,name\nann,Ann\nzed,Zed\n"
    )
    intake = read_submissions(tmp_path, IDS, roster=roster)
    assert intake.students == (
        StudentSubmission("ann", "Ann", (), False, ("no gradable file found",)),
        StudentSubmission("zed", "Zed", (), False, ("no submission",)),
    )


def test_the_per_student_budget_is_spent_in_exercise_order(tmp_path: Path) -> None:
    """1 MB for all of a student's chosen files: exactly the budget is graded, a byte more not."""
    half = 1 << 19
    write(tmp_path, "ann/exercise1.py", b"a" * half)
    write(tmp_path, "ann/exercise2.py", b"b" * half)
    write(tmp_path, "ann/exercise3.py", b"c")
    write(tmp_path, "bob/exercise1.py", b"d" * (half + 1))
    write(tmp_path, "bob/exercise2.py", b"e" * half)
    intake = read_submissions(tmp_path, IDS, max_archive_mb=1)
    assert {s: [f[1] for f in files] for s, files in graded(intake).items()} == {
        "ann": ["ann/exercise1.py", "ann/exercise2.py"],
        "bob": ["bob/exercise1.py"],
    }
    assert intake.warnings == (
        "ann: exercise3: ann/exercise3.py not graded: this student's files total over the "
        "1 MB budget",
        "bob: exercise2: bob/exercise2.py not graded: this student's files total over the "
        "1 MB budget",
    )
    assert [s.notes for s in intake.students] == [
        ("exercise3 not graded: over this student's memory budget",),
        ("exercise2 not graded: over this student's memory budget",),
    ]


def test_a_file_that_vanishes_after_listing_is_warned_and_the_rest_graded(
    tmp_path: Path,
) -> None:
    write(tmp_path, "ann/exercise1.py", "gone")
    write(tmp_path, "ann/exercise2.py", "kept")
    reader = Reader(tmp_path, IDS, 50, lazy=False)
    reader.read_entry(tmp_path / "ann")
    (tmp_path / "ann/exercise1.py").unlink()
    got = resolve("ann", reader.students["ann"], reader, "")
    assert [(f.origin, f.data, f.blob) for f in got.files] == [("ann/exercise2.py", b"kept", None)]
    assert len(reader.warnings) == 1
    assert reader.warnings[0].startswith("ann/exercise1.py: cannot be read (")
    assert reader.warnings[0].endswith("); not graded")


def test_lazy_files_hold_a_blob_and_no_bytes(tmp_path: Path) -> None:
    write(tmp_path, "ann/exercise1.py", "lazy")
    (ann,) = read_submissions(tmp_path, IDS, lazy=True).students
    (source,) = ann.files
    assert source.data == b"" and source.blob is not None
    assert source.read() == b"lazy"
    (eager,) = read_submissions(tmp_path, IDS).students[0].files
    assert eager == SourceFile("exercise1", "ann/exercise1.py", b"lazy")


def test_more_than_twenty_unmatched_are_counted_once_per_student(tmp_path: Path) -> None:
    for i in range(23):
        write(tmp_path, f"ann/n{i:02}.txt", "x")
    for i in range(20):
        write(tmp_path, f"bob/n{i:02}.txt", "x")
    intake = read_submissions(tmp_path, IDS)
    assert intake.warnings[-1] == "ann: 3 more unmatched files, not listed"
    assert len(intake.warnings) == 20 + 1 + 20
    assert not any(w.startswith("bob:") for w in intake.warnings)


# --- several sources for one id -----------------------------------------------------------


def test_two_sources_for_one_id_grade_nothing_until_staff_choose(tmp_path: Path) -> None:
    write(tmp_path, "ann/exercise1.py", "folder")
    make_zip(tmp_path / "ann.zip", {"exercise1.py": "zip"})
    write(tmp_path, "bob/exercise1.py", "bob")
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {"ann": [], "bob": [("exercise1", "bob/exercise1.py", b"bob")]}
    assert intake.warnings == (
        "ann: 2 sources feed this id (folder ann; zip ann.zip); nothing graded: choose one "
        "with --source ann=KIND (one of folder, zip, canvas, moodle) or the roster's source "
        "column, or rename one",
    )
    assert intake.students[0].notes == (
        "not graded: 2 sources feed this id; staff must choose",
        "no gradable file found",
    )

    wrong = read_submissions(tmp_path, IDS, sources={"ann": "canvas"})
    assert graded(wrong)["ann"] == []
    assert wrong.warnings[0].startswith(
        "ann: 2 sources feed this id (folder ann; zip ann.zip) (the chosen kind 'canvas' "
        "names 0 of them); nothing graded"
    )

    for kind, data in (("zip", b"zip"), ("folder", b"folder")):
        chosen = read_submissions(tmp_path, IDS, sources={"ann": kind})
        assert [f.read() for f in chosen.students[0].files] == [data]
        assert chosen.students[0].notes == (
            f"graded from the {kind} source chosen by staff; other sources ignored",
        )
        assert chosen.warnings == ()


def test_a_source_with_no_candidate_does_not_count_as_feeding(tmp_path: Path) -> None:
    """A zip holding nothing gradable next to the folder: the folder is graded."""
    write(tmp_path, "ann/exercise1.py", "folder")
    make_zip(tmp_path / "ann.zip", {"readme.txt": "words"})
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {"ann": [("exercise1", "ann/exercise1.py", b"folder")]}
    assert intake.warnings == ("ann.zip:readme.txt: not matched to an exercise; not graded",)


def test_a_canvas_late_mark_counts_only_when_canvas_is_graded(tmp_path: Path) -> None:
    write(tmp_path, "smith_LATE_1001_5001_exercise1.py", "canvas")
    write(tmp_path, "1001/exercise1.py", "folder")
    (jane,) = read_submissions(tmp_path, IDS).students
    assert (jane.files, jane.late) == ((), False)
    chosen = read_submissions(tmp_path, IDS, sources={"1001": "canvas"}).students[0]
    assert [f.read() for f in chosen.files] == [b"canvas"]
    assert chosen.late is True
    other = read_submissions(tmp_path, IDS, sources={"1001": "folder"}).students[0]
    assert [f.read() for f in other.files] == [b"folder"]
    assert other.late is False


def test_a_bad_source_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        IntakeError,
        match=r"^source 'git' for 'ann' is not one of \('folder', 'zip', 'canvas', 'moodle'\)$",
    ):
        read_submissions(tmp_path, IDS, sources={"ann": "git"})


def test_two_folders_spelt_alike_are_labelled_as_such(tmp_path: Path) -> None:
    """NFC and NFD spellings of one name are one id, two sources (the label says so)."""
    nfc, nfd = "Jos\u00e9", "Jose\u0301"
    write(tmp_path, f"{nfc}/exercise1.py", "one")
    write(tmp_path, f"{nfd}/exercise1.py", "two")
    intake = read_submissions(tmp_path, IDS)
    assert [s.files for s in intake.students] == [()]
    assert f"(folder {nfc}; folder {nfc} (spelt differently on disk))" in intake.warnings[0]


# --- the roster ------------------------------------------------------------------------------


def roster_file(tmp_path: Path, text: str) -> Path:
    return write(tmp_path, "roster.csv", text)


def test_submitters_match_roster_ids_exactly_or_by_case_when_unique(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    write(folder, "Ann/exercise1.py", "ann")
    write(folder, "BOB/exercise1.py", "bob")
    write(folder, "cy/exercise1.py", "cy")
    write(folder, "Dee/exercise1.py", "dee")
    roster = roster_file(
        tmp_path, "ID,Full Name\nann,Ann A\nbob,Bob B\nBob,Bob C\ncy,\ndee,Dee D\n"
    )
    intake = read_submissions(folder, IDS, roster=roster)
    summary = {
        s.student: (s.display_name, [f.read() for f in s.files], s.notes) for s in intake.students
    }
    assert summary == {
        "ann": ("Ann A", [b"ann"], ()),
        "BOB": ("BOB", [b"bob"], ("not on the roster",)),
        "bob": ("Bob B", [], ("no submission",)),
        "Bob": ("Bob C", [], ("no submission",)),
        "cy": ("cy", [b"cy"], ()),
        "dee": ("Dee D", [b"dee"], ()),
    }
    assert intake.warnings == (
        "BOB: matches roster ids Bob, bob only by case; not matched (write the id exactly as "
        "in the roster)",
        "BOB (BOB): submitted but not on the roster",
        "3 student ids look alike and are graded as different students: 'BOB', 'Bob', 'bob'",
    )


def test_a_roster_source_column_chooses_and_the_command_line_wins(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    write(folder, "ann/exercise1.py", "folder")
    make_zip(folder / "ann.zip", {"exercise1.py": "zip"})
    roster = roster_file(tmp_path, "student_id,name,Source\nann,Ann, ZIP \nbob,Bob,\n")
    assert read_roster_file(roster).sources == {"ann": "zip"}
    intake = read_submissions(folder, IDS, roster=roster)
    assert [f.read() for f in intake.students[0].files] == [b"zip"]
    overridden = read_submissions(folder, IDS, roster=roster, sources={"ann": "folder"})
    assert [f.read() for f in overridden.students[0].files] == [b"folder"]


@pytest.mark.parametrize(
    ("header", "id_column"),
    [
        ("id,student_id,login,email,name", "id"),
        ("email,login,student_id,name", "student_id"),
        ("email,login,name", "login"),
        ("email,name", "email"),
        ("Student-ID,name", "Student-ID"),
        ("  LOGIN  ,name", "  LOGIN  "),
    ],
)
def test_the_id_column_is_the_first_documented_one_present(
    tmp_path: Path, header: str, id_column: str
) -> None:
    columns = [c for c in header.split(",")]
    row = ",".join(f"v-{c.strip().lower()}" if c != "name" else "N" for c in columns)
    roster = roster_file(tmp_path, f"{header}\n{row}\n")
    assert read_roster_file(roster).names == {f"v-{id_column.strip().lower()}": "N"}


@pytest.mark.parametrize(
    ("header", "name_column"),
    [
        ("id,name,display_name,full_name,student", "name"),
        ("id,student,full_name,display_name", "display_name"),
        ("id,student,full_name", "full_name"),
        ("id,student", "student"),
        ("id,Display Name", "display name"),
    ],
)
def test_the_name_column_is_the_first_documented_one_present(
    tmp_path: Path, header: str, name_column: str
) -> None:
    columns = header.split(",")
    row = ",".join("s1" if c == "id" else f"n-{c.lower()}" for c in columns)
    roster = roster_file(tmp_path, f"{header}\n{row}\n")
    assert read_roster_file(roster).names == {"s1": f"n-{name_column}"}


def test_roster_ids_and_names_are_stripped_and_normalised_and_blank_ids_skipped(
    tmp_path: Path,
) -> None:
    text = "\ufeffid,name\n  Jose\u0301 ,  Jos\u00e9 Q \n   ,ghost\n,x\nbob,Bob\n"
    roster = roster_file(tmp_path, text)
    assert read_roster_file(roster).names == {"Jos\u00e9": "Jos\u00e9 Q", "bob": "Bob"}
    assert read_roster_file(roster_file(tmp_path, "id\nann\n")).names == {"ann": ""}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,name\nann,A\nann,B\n", r"^roster .*roster\.csv: id 'ann' twice \(line 3\)$"),
        (
            "id,source\nann,git\n",
            r"^roster .*roster\.csv: source 'git' \(line 2\) is not one of folder, zip, canvas, "
            r"moodle$",
        ),
        (
            "name\nAnn\n",
            r"^roster .*roster\.csv: no id column \(one of id, student_id, login, email\)$",
        ),
    ],
)
def test_roster_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(IntakeError, match=message):
        read_roster_file(roster_file(tmp_path, text))


def test_a_roster_that_is_not_utf8_is_an_intake_error(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"id\n\xff\xfe\n")
    with pytest.raises(IntakeError, match=r"^roster .*roster\.csv: "):
        read_roster_file(path)


# --- the pass over the folder -----------------------------------------------------------------


def test_a_dot_named_lms_entry_is_graded_with_a_warning_and_other_dot_names_skipped(
    tmp_path: Path,
) -> None:
    write(tmp_path, ".Zed_7_assignsubmission_file_/exercise1.py", "moodle folder")
    write(tmp_path, ".Yan_8_assignsubmission_file_exercise1.py", "moodle file")
    write(tmp_path, ".smith_1001_5001_exercise1.py", "canvas file")
    write(tmp_path, "._smith_1002_5001_exercise1.py", "AppleDouble")
    write(tmp_path, ".Xi_9_assignsubmission_file_", "a file named like a Moodle folder")
    write(tmp_path, ".smith_1003_5001_exercise1.py/exercise1.py", "a folder named like Canvas")
    write(tmp_path, ".hidden/exercise1.py", "hidden")
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {
        "1001": [("exercise1", ".smith_1001_5001_exercise1.py", b"canvas file")],
        "7": [("exercise1", ".Zed_7_assignsubmission_file_/exercise1.py", b"moodle folder")],
        "8": [("exercise1", ".Yan_8_assignsubmission_file_exercise1.py", b"moodle file")],
    }
    dot = ": the name starts with a dot (hidden on most systems); graded"
    assert intake.warnings == (
        f".Yan_8_assignsubmission_file_exercise1.py{dot}",
        f".Zed_7_assignsubmission_file_{dot}",
        f".smith_1001_5001_exercise1.py{dot}",
    )


def test_special_files_are_warned_and_not_graded(tmp_path: Path) -> None:
    import os

    write(tmp_path, "ann/exercise1.py", "ann")
    os.mkfifo(tmp_path / "ann" / "exercise2.py")
    os.mkfifo(tmp_path / "exercise3.py")
    (tmp_path / "ann" / "exercise3.py").symlink_to(tmp_path / "ann" / "exercise1.py")
    (tmp_path / "bob").symlink_to(tmp_path / "ann")
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {"ann": [("exercise1", "ann/exercise1.py", b"ann")]}
    assert intake.warnings == (
        "ann/exercise2.py: not a regular file; not graded",
        "ann/exercise3.py: a symbolic link, not followed; not graded",
        "bob: a symbolic link, not followed; not graded",
        "exercise3.py: not a regular file; not graded",
    )


def test_folders_are_read_eight_deep_and_no_deeper(tmp_path: Path) -> None:
    seven = "ann/" + "/".join(str(i) for i in range(1, 8))
    write(tmp_path, f"{seven}/exercise1.py", "deep")
    write(tmp_path, f"{seven}/8/exercise2.py", "too deep")
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {"ann": [("exercise1", f"{seven}/exercise1.py", b"deep")]}
    assert intake.warnings == (f"{seven}/8: nested too deep; not read",)


def test_a_canvas_files_suffix_is_not_a_resubmission_number(tmp_path: Path) -> None:
    """Canvas numbers its submissions: `-9` in the student's name ranks nothing."""
    write(tmp_path, "smith_1001_5002_exercise1.py", "newer upload")
    write(tmp_path, "smith_1001_5001_exercise1-9.py", "older upload")
    (jane,) = read_submissions(tmp_path, IDS).students
    assert [(f.origin, f.notes) for f in jane.files] == [
        (
            "smith_1001_5002_exercise1.py",
            ("latest Canvas submission (5002) used; 1 older ignored",),
        )
    ]


def test_top_level_files_that_are_no_known_layout(tmp_path: Path) -> None:
    write(tmp_path, "exercise1.py", "whose?")
    write(tmp_path, "ann.ZIP", "not a zip")
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {"ann": []}
    assert intake.warnings[0] == (
        "ann.ZIP: archive not graded: not a readable zip (BadZipFile: File is not a zip file)"
    )
    assert intake.students[0].notes == (
        "archive ann.ZIP not graded: not a readable zip (BadZipFile: File is not a zip file)",
        "no gradable file found",
    )
    assert intake.warnings[1:] == (
        "exercise1.py: not in a student folder, nor a Canvas, Moodle or zip file name; not graded",
    )


def test_a_zip_in_a_folder_and_what_it_holds(tmp_path: Path) -> None:
    make_zip(
        tmp_path / "ann" / "work.zip",
        {
            "a/exercise1-2.py": "zipped",
            "a/inner.zip": "PK",
            "a/notes.md": "words",
            "a/": "",
        },
    )
    write(tmp_path, "ann/exercise1.py", "plain")
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {"ann": [("exercise1", "ann/work.zip:a/exercise1-2.py", b"zipped")]}
    assert intake.warnings == (
        "ann/work.zip:a/inner.zip: not matched to an exercise (archives inside archives are "
        "not opened); not graded",
        "ann/work.zip:a/notes.md: not matched to an exercise; not graded",
    )


def test_an_unreadable_notebook_is_warned_noted_and_not_a_candidate(tmp_path: Path) -> None:
    write(tmp_path, "ann/exercise1.ipynb", "{not json")
    write(tmp_path, "ann/exercise2.ipynb", notebook("ok = 1"))
    intake = read_submissions(tmp_path, IDS)
    (ann,) = intake.students
    assert [f.origin for f in ann.files] == ["ann/exercise2.ipynb"]
    assert len(intake.warnings) == 1
    assert intake.warnings[0].startswith("ann/exercise1.ipynb: ")
    assert intake.warnings[0].endswith("; not graded")
    assert ann.notes == (intake.warnings[0].removesuffix("; not graded"),)


# --- archives ---------------------------------------------------------------------------------


def test_a_member_over_a_mebibyte_that_expands_past_100x_is_a_bomb(tmp_path: Path) -> None:
    make_zip(tmp_path / "ann.zip", {"exercise1.py": b"#" * (1 << 20)})
    make_zip(tmp_path / "bob.zip", {"exercise1.py": b"#" * ((1 << 20) + 1)})
    intake = read_submissions(tmp_path, IDS)
    assert [f.origin for f in intake.students[0].files] == ["ann.zip:exercise1.py"]
    assert intake.students[1].files == ()
    (warning,) = intake.warnings
    assert warning.startswith("bob.zip: archive not graded: entry 'exercise1.py' expands ")
    assert warning.endswith("x (compression bomb)")


def test_the_entries_may_total_the_limit_and_not_a_byte_more(tmp_path: Path) -> None:
    half = 1 << 19
    make_zip(tmp_path / "ann.zip", {"a.txt": b"a" * half, "b.txt": b"b" * half, "exercise1.py": ""})
    write(tmp_path, "bob/exercise1.py", "bob")
    make_zip(tmp_path / "bob/big.zip", {"a.txt": b"a" * half, "b.txt": b"b" * (half + 1)})
    intake = read_submissions(tmp_path, IDS, max_archive_mb=1)
    assert graded(intake) == {
        "ann": [("exercise1", "ann.zip:exercise1.py", b"")],
        "bob": [("exercise1", "bob/exercise1.py", b"bob")],
    }
    assert intake.warnings[-1] == (
        "bob/big.zip: archive not graded: entries total 1.0 MB uncompressed, over the limit"
    )
    assert intake.students[1].notes == (
        "archive bob/big.zip not graded: entries total 1.0 MB uncompressed, over the limit",
    )


def test_an_archive_file_over_the_limit_is_not_opened(tmp_path: Path) -> None:
    import os

    make_zip(tmp_path / "ann.zip", {"exercise1.py": os.urandom((1 << 20) + 64)}, zipfile.ZIP_STORED)
    intake = read_submissions(tmp_path, IDS, max_archive_mb=1)
    assert intake.warnings == ("ann.zip: archive not graded: the archive is over the 1 MB limit",)


def test_an_exercise_not_handed_in_does_not_stop_the_next_ones(tmp_path: Path) -> None:
    write(tmp_path, "ann/exercise3.py", "three")
    write(tmp_path, "ann/exercise2.py", "two")
    write(tmp_path, "bob/exercise1.py", "one")
    write(tmp_path, "bob/exercise3.py", "three")
    intake = read_submissions(tmp_path, IDS)
    assert {s: [f[0] for f in files] for s, files in graded(intake).items()} == {
        "ann": ["exercise2", "exercise3"],
        "bob": ["exercise1", "exercise3"],
    }
    assert [s.notes for s in intake.students] == [(), ()]


def test_an_empty_roster_has_no_id_column_and_short_rows_have_no_name(tmp_path: Path) -> None:
    with pytest.raises(IntakeError, match="no id column"):
        read_roster_file(roster_file(tmp_path, ""))
    short = read_roster_file(roster_file(tmp_path, "name,id,source\nAnn\n,bob\n"))
    assert (short.names, short.sources) == ({"bob": ""}, {})


def test_an_absent_roster_student_without_a_name_shows_the_id(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    intake = read_submissions(folder, IDS, roster=roster_file(tmp_path, "id\nzed\n"))
    assert intake.students == (StudentSubmission("zed", "zed", (), False, ("no submission",)),)


def test_a_chosen_source_names_the_id_as_intake_normalises_it(tmp_path: Path) -> None:
    nfc, nfd = "Jos\u00e9", "Jose\u0301"
    write(tmp_path, f"{nfc}/exercise1.py", "folder")
    make_zip(tmp_path / f"{nfc}.zip", {"exercise1.py": "zip"})
    intake = read_submissions(tmp_path, IDS, sources={nfd: "zip"})
    assert graded(intake) == {nfc: [("exercise1", f"{nfc}.zip:exercise1.py", b"zip")]}


def test_two_submitters_of_one_roster_id_keep_their_notes_and_files(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    write(folder, "ANN/bad.zip", "not a zip")
    write(folder, "ann/exercise1.py", "ann")
    roster = roster_file(tmp_path, "id,name\nAnn,Ann A\n")
    intake = read_submissions(folder, IDS, roster=roster)
    (ann,) = intake.students
    assert (ann.student, ann.display_name, ann.late) == ("Ann", "Ann A", False)
    assert [(f.origin, f.read()) for f in ann.files] == [("ann/exercise1.py", b"ann")]
    assert ann.notes == (
        "archive ANN/bad.zip not graded: not a readable zip (BadZipFile: File is not a zip file)",
    )


def test_a_late_canvas_upload_marks_the_student_late_even_when_not_gradable(
    tmp_path: Path,
) -> None:
    """The LATE mark is the LMS's, on the student: an upload of notes only still carries it."""
    write(tmp_path, "smith_LATE_1001_5002_notes.txt", "late, not gradable")
    write(tmp_path, "smith_1001_5001_exercise1.py", "on time")
    write(tmp_path, "doe_LATE_1002_5003_readme.md", "late, nothing else")
    intake = read_submissions(tmp_path, IDS)
    assert [(s.student, [f.late for f in s.files], s.late) for s in intake.students] == [
        ("1001", [False], True),
        ("1002", [], True),
    ]


def test_a_canvas_upload_of_litter_or_a_dot_file_is_skipped_silently(tmp_path: Path) -> None:
    write(tmp_path, "smith_1001_5001_Thumbs.db", "litter")
    write(tmp_path, "smith_1001_5002_.exercise1.py", "hidden by its own name")
    write(tmp_path, "smith_1001_5003_exercise2.py", "work")
    intake = read_submissions(tmp_path, IDS)
    assert graded(intake) == {"1001": [("exercise2", "smith_1001_5003_exercise2.py", b"work")]}
    assert intake.warnings == ()


def test_a_file_may_be_exactly_the_size_limit(tmp_path: Path) -> None:
    write(tmp_path, "ann/exercise1.py", b"a" * (1 << 20))
    write(tmp_path, "bob/exercise1.py", b"b" * ((1 << 20) + 1))
    intake = read_submissions(tmp_path, IDS, max_archive_mb=1)
    assert [len(f.read()) for s in intake.students for f in s.files] == [1 << 20]
    assert intake.warnings == ("bob/exercise1.py: over 1 MB; not graded",)


def test_a_chosen_canvas_source_keeps_the_students_late_mark(tmp_path: Path) -> None:
    write(tmp_path, "smith_LATE_1001_5002_notes.txt", "late, not gradable")
    write(tmp_path, "smith_1001_5001_exercise1.py", "on time")
    write(tmp_path, "1001/exercise1.py", "folder")
    (jane,) = read_submissions(tmp_path, IDS, sources={"1001": "canvas"}).students
    assert ([f.read() for f in jane.files], [f.late for f in jane.files]) == ([b"on time"], [False])
    assert jane.late is True


def test_one_canvas_upload_with_two_files_for_an_exercise(tmp_path: Path) -> None:
    """Files of one submission are not older than each other: the older upload is counted."""
    write(tmp_path, "smith_1001_5001_exercise1.py", "old")
    write(tmp_path, "smith_1001_5002_exercise1.py", "new")
    write(tmp_path, "smith_1001_5002_exercise1-1.py", "new too")
    (jane,) = (intake := read_submissions(tmp_path, IDS)).students
    assert [(f.origin, f.notes) for f in jane.files] == [
        (
            "smith_1001_5002_exercise1-1.py",
            ("latest Canvas submission (5002) used; 1 older ignored",),
        )
    ]
    assert intake.warnings == (
        "1001: exercise1: several files; graded smith_1001_5002_exercise1-1.py, ignored "
        "smith_1001_5002_exercise1.py",
    )
    write(tmp_path / "one", "smith_1001_5002_exercise2.py", "a")
    write(tmp_path / "one", "smith_1001_5002_exercise2-3.py", "b")
    (only,) = read_submissions(tmp_path / "one", IDS).students
    assert [f.notes for f in only.files] == [()]


def test_every_ignored_notebook_is_listed(tmp_path: Path) -> None:
    write(tmp_path, "ann/exercise1.py", "py")
    write(tmp_path, "ann/exercise1.ipynb", notebook("a = 1"))
    write(tmp_path, "ann/old/exercise1.ipynb", notebook("a = 0"))
    intake = read_submissions(tmp_path, IDS)
    assert intake.warnings == (
        "ann: exercise1: both .py and .ipynb; graded ann/exercise1.py, ignored "
        "ann/exercise1.ipynb, ann/old/exercise1.ipynb",
    )


def test_an_exact_roster_id_wins_over_ids_that_differ_by_case(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    write(folder, "Bob/exercise1.py", "bob")
    roster = roster_file(tmp_path, "id,name\nbob,Bob B\nBob,Bob C\n")
    intake = read_submissions(folder, IDS, roster=roster)
    assert [(s.student, s.display_name, len(s.files)) for s in intake.students] == [
        ("Bob", "Bob C", 1),
        ("bob", "Bob B", 0),
    ]
    # matched exactly, no mismatch warning; only that the roster's two ids look alike
    assert intake.warnings == (
        "2 student ids look alike and are graded as different students: 'Bob', 'bob'",
    )


def test_a_canvas_user_with_several_files_is_one_source(tmp_path: Path) -> None:
    write(tmp_path, "smith_1001_5001_exercise1.py", "e1")
    write(tmp_path, "smith_1001_5002_exercise2.py", "e2")
    write(tmp_path, "1001/exercise1.py", "folder")
    intake = read_submissions(tmp_path, IDS)
    assert intake.warnings[0].startswith(
        "1001: 2 sources feed this id (Canvas user 1001; folder 1001); nothing graded"
    )
