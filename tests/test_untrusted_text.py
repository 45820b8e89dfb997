"""Student-controlled names and text are data (issue 18), end to end and piece by piece.

One hostile folder is graded once through the real `grade batch` (exercise2, one judge):
undecodable and NFD folder names, ESC sequences and newlines in folder and zip member names,
a Moodle display name carrying another student's id, a folder named like a Canvas user id,
a Canvas file name whose `-9` suffix tries to win, a dot-named Moodle folder, a notebook with
a lone surrogate and a submission that prints ESC sequences and raises a message with a lone
surrogate and rich markup. The terminal output of `grade batch`, `grade gradebook show` and
`grade exercise2 --file` is checked as bytes: no raw control character from student text.
The unit tests below check each piece (text, console, protocol, notebook, intake, exports).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from grader.judge.notebook import extract_code
from grader.outputs.console import emit_json, make_console, untrusted
from grader.outputs.exports import write_csv, write_gradescope, write_junit
from grader.outputs.html_report import write_html
from grader.outputs.models import BatchResult, CheckResult, ExerciseResult, SubmissionResult
from grader.outputs.report import batch_summary, exercise_report
from grader.outputs.text import escape_controls, from_os, normalise
from grader.staff.intake import read_submissions
from grader.staff.jobs import recordable as _recordable
from grader.staff.jobs import unrecordable as _unrecordable
from grader.wire.protocol import decode, encode

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference" / "exercise2"
SOLUTION = (REFERENCE / "solution.py").read_text(encoding="utf-8")
STUB = (ROOT / "exercises" / "exercise2" / "exercise2.py").read_text(encoding="utf-8")
IDS = ("exercise1", "exercise2")
ESCAPES = "\x1b[2J\x1b[H\x1b]0;pwned\x07"
MALLORY = f"mal{ESCAPES}[bold]\nlory"  # a folder name: ESC sequences, markup, a newline
HOSTILE = SOLUTION + textwrap.dedent(
    """
    print("\\x1b[2J\\x1b[H\\x1b]0;forged title\\x07FORGED: alice 12/12\\rwarning: none")


    def _hostile_backward(ctx, grad_output):
        raise RuntimeError("\\ud800\\x1b[2J\\x1b]0;t\\x07[/x][bold] boom\\x85\\u202e")


    ReLU.backward = staticmethod(_hostile_backward)
    """
)
NFC, NFD = unicodedata.normalize("NFC", "José"), unicodedata.normalize("NFD", "José")


def mutant(name: str) -> str:
    return (REFERENCE / "mutants" / f"{name}.py").read_text(encoding="utf-8")


def write(root: Path, relative: str, data: bytes | str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def notebook_with_surrogate(code: str) -> bytes:
    """A notebook whose JSON holds a lone surrogate (`\\ud800`) in a comment of its code."""
    source = "# a lone surrogate: \ud800\n" + code.replace("from __future__ import annotations", "")
    cell = {"cell_type": "code", "id": "c", "metadata": {}, "outputs": [], "source": source}
    cell["execution_count"] = None
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    return json.dumps(document).encode("ascii")


def raw_controls(data: bytes) -> list[str]:
    """Control characters in terminal output other than newlines (rich writes no styles
    when stdout is not a terminal, so any ESC here came from student text)."""
    text = data.decode("utf-8")  # must be valid UTF-8, too
    return [
        repr(char)
        for char in text
        if (ord(char) < 0x20 and char != "\n") or 0x7F <= ord(char) <= 0x9F or char == "\u202e"
    ]


def grade(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        cwd=cwd,
        capture_output=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert b"Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == 0, done.stderr[-3000:]
    return done


# --- one hostile folder through `grade batch` ------------------------------------------------


def build_hostile(folder: Path) -> None:
    folder.mkdir(parents=True)
    latin1 = os.fsencode(folder) + b"/caf\xe9"  # a name `unzip` leaves in Latin-1
    os.mkdir(latin1)
    Path(os.fsdecode(latin1 + b"/exercise2.py")).write_text(SOLUTION, encoding="utf-8")
    write(folder, f"{MALLORY}/exercise2.py", HOSTILE)
    write(folder, "Dan Brown_1003_assignsubmission_file_/exercise2.py", mutant("forward_abs"))
    eve = "Eve_1003_assignsubmission_file__2001_assignsubmission_file_"
    write(folder, f"{eve}/exercise2.py", SOLUTION)  # Eve is 2001, whatever her name says
    write(folder, f"{eve}exercise2.py", SOLUTION)  # flat: two ids in one name, ambiguous
    write(folder, "smith_bob_1001_5001_exercise2.py", mutant("ge_mask"))
    write(folder, "1001/exercise2.py", SOLUTION)  # a folder named like Bob's Canvas id
    write(folder, f"{NFC}/exercise2.py", SOLUTION)
    write(folder, f"{NFD}/exercise2.py", STUB)
    write(folder, "lee_ann_1004_5005_exercise2.py", SOLUTION)  # the latest Canvas submission
    write(folder, "lee_ann_1004_5004_exercise2-9.py", STUB)  # older, whatever its suffix
    write(folder, ".Zed Q_1005_assignsubmission_file_/exercise2.py", mutant("mask_only"))
    with zipfile.ZipFile(folder / "zoe.zip", "w") as archive:
        archive.writestr(f"zoe/{ESCAPES}notes\n.txt", "n")
    write(folder, "nina/exercise2.ipynb", notebook_with_surrogate(SOLUTION))
    write(folder, "Ada/notes.txt", "a")
    write(folder, "ada/notes.txt", "a")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("hostile")
    folder = base / "subs"
    build_hostile(folder)
    db, out = base / "book.sqlite", base / "out"
    out.mkdir()
    exports = ["--csv", str(out / "grades.csv"), "--junit", str(out / "junit.xml")]
    exports += ["--gradescope", str(out / "gs"), "--html", str(out / "report.html")]
    args = ["batch", str(folder), "--db", str(db), "--root", str(ROOT), "--device", "cpu"]
    done = grade([*args, "--workers", "1", *exports], cwd=base)
    shown = grade(["gradebook", "show", str(db), "--root", str(ROOT)], cwd=base)
    stored = grade(["gradebook", "show", str(db), "--json"], cwd=base)
    return {
        "base": base,
        "args": args,
        "batch": done,
        "show": shown,
        "grades": BatchResult.model_validate_json(stored.stdout),
        "out": out,
    }


def scores(batch: BatchResult) -> dict[str, float | None]:
    return {
        sub.student: (sub.exercises[0].score if sub.exercises else None)
        for sub in batch.submissions
    }


@pytest.mark.slow
def test_batch_and_gradebook_show_print_no_raw_control_characters(hostile: dict[str, Any]) -> None:
    for done in (hostile["batch"], hostile["show"]):
        assert raw_controls(done.stdout) == []
        text = done.stdout.decode()
        assert "mal\\x1b[2J" in text and "caf\ufffd" in text  # ids in the table, escaped
    warnings = hostile["batch"].stdout.decode()  # intake's warnings: this run's output only
    assert "zoe.zip:zoe/\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07notes\\x0a.txt" in warnings
    assert raw_controls(hostile["batch"].stderr.replace(b"\r", b"").replace(b"\x1b", b"")) == []


@pytest.mark.slow
def test_every_file_is_graded_for_the_right_student(hostile: dict[str, Any]) -> None:
    found = scores(hostile["grades"])
    assert found == {
        "1001": None,  # a Canvas user and a folder of that name: neither graded
        "1003": 7.0,  # Dan, forward_abs
        "1004": 12.0,  # submission 5005 (the solution), not the stub named exercise2-9.py
        "1005": 4.0,  # the dot-named Moodle folder, mask_only (8 of 12, README)
        "2001": 12.0,  # Eve, whose display name claims 1003
        "Ada": None,
        "ada": None,
        "caf\ufffd": 12.0,
        NFC: None,  # two folders that differ only in Unicode normalisation
        normalise(MALLORY): found[normalise(MALLORY)],
        "nina": 12.0,  # the notebook with a lone surrogate
        "zoe": None,
    }
    mallory = next(s for s in hostile["grades"].submissions if s.student == MALLORY)
    (result,) = mallory.exercises  # recorded, not "no submission": the worker survived
    assert {c.status for c in result.checks} >= {"passed", "error"}
    assert all("\ud800" not in check.feedback for check in result.checks)
    assert any("[/x][bold] boom" in check.feedback for check in result.checks)


@pytest.mark.slow
def test_every_merge_and_impersonation_is_warned(hostile: dict[str, Any]) -> None:
    text = " ".join(hostile["batch"].stdout.decode().split())
    for expected in (
        "1001: 2 sources feed this id (Canvas user 1001; folder 1001); nothing graded",
        f"{NFC}: 2 sources feed this id (folder {NFC}; folder {NFC} (spelt differently on disk))",
        "the display name holds another Moodle id; filed under 2001",
        "two Moodle ids in one file name",
        ".Zed Q_1005_assignsubmission_file_: the name starts with a dot",
    ):
        assert expected in text


@pytest.mark.slow
def test_exports_are_written_whole_after_bad_ids(hostile: dict[str, Any]) -> None:
    out: Path = hostile["out"]
    ids = {sub.student for sub in hostile["grades"].submissions}
    rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
    assert {row["student"] for row in rows} == ids
    suites = ET.parse(out / "junit.xml").getroot().findall("testsuite")
    assert len(suites) == len(ids)
    folders = [p.name for p in (out / "gs").iterdir()]
    assert len({name.casefold() for name in folders}) == len(ids)  # Ada and ada apart
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "\x1b" not in html and "caf\ufffd" in html


@pytest.mark.slow
def test_staff_choose_a_source_with_the_flag(hostile: dict[str, Any]) -> None:
    done = grade([*hostile["args"], "--workers", "1", "--source", "1001=canvas"], hostile["base"])
    assert raw_controls(done.stdout) == []
    text = " ".join(done.stdout.decode().split())
    assert "1001: 2 sources feed this id" not in text
    assert f"{NFC}: 2 sources feed this id" in text  # one choice does not settle another id
    db = str(hostile["base"] / "book.sqlite")
    stored = grade(["gradebook", "show", db, "--json"], cwd=hostile["base"])
    assert scores(BatchResult.model_validate_json(stored.stdout))["1001"] == 8.0  # ge_mask


@pytest.mark.slow
def test_markup_in_ids_and_roster_errors_is_shown_literally(tmp_path: Path) -> None:
    """A roster id with markup: the gradebook table and the usage error print it as is."""
    write(tmp_path, "subs/alice/notes.txt", "n")
    roster = write(tmp_path, "roster.csv", "id\nalice\n[/x]e\x1b[2J\n")
    args = ["batch", str(tmp_path / "subs"), "--root", str(ROOT), "--device", "cpu"]
    done = grade([*args, "--roster", str(roster), "--db", str(tmp_path / "b.sqlite")], tmp_path)
    assert raw_controls(done.stdout) == []
    assert "[/x]e\\x1b[2J" in done.stdout.decode()
    write(tmp_path, "twice.csv", "id\n[/x]\n[/x]\n")
    failed = subprocess.run(
        [sys.executable, "-m", "grader.cli", *args, "--roster", str(tmp_path / "twice.csv")],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
    )
    assert failed.returncode == 2 and b"Traceback" not in failed.stderr
    assert "id '[/x]' twice" in " ".join(failed.stderr.decode().split())


# --- `grade exercise2 --file` with a hostile name and hostile text ----------------------------


@pytest.fixture(scope="module")
def hostile_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("file")
    path = os.fsencode(folder) + b"/ev\xffil\x1b[2J\x1b]0;pwn\x07[bold]\n.py"
    Path(os.fsdecode(path)).write_text(HOSTILE, encoding="utf-8")
    return Path(os.fsdecode(path))


@pytest.mark.slow
def test_grade_file_with_a_hostile_name_prints_an_inert_report(hostile_file: Path) -> None:
    args = ["exercise2", "--file", str(hostile_file), "--root", str(ROOT), "--device", "cpu"]
    done = grade(args, cwd=hostile_file.parent)
    assert raw_controls(done.stdout) == []
    text = done.stdout.decode()
    assert "ev\ufffdil\\x1b[2J\\x1b]0;pwn\\x07[bold]\\x0a.py" in text  # the heading, one line
    if "! error" in text:  # (on a loaded machine the checks may time out instead)
        assert "[/x][bold] boom\\x85\\u202e" in text  # the error, shown as written
    assert "\\x1b[2J\\x1b[H\\x1b]0;forged title\\x07FORGED: alice 12/12\\x0dwarning" in text


@pytest.mark.slow
def test_grade_file_json_is_one_valid_object(hostile_file: Path) -> None:
    args = ["exercise2", "--file", str(hostile_file), "--root", str(ROOT), "--device", "cpu"]
    done = grade([*args, "--json"], cwd=hostile_file.parent)
    result = ExerciseResult.model_validate_json(done.stdout)
    errors = [c.feedback for c in result.checks if c.status == "error" and not c.hidden]
    assert errors  # (hidden checks show a fixed sentence instead: issue 10)
    assert all("[/x][bold] boom" in feedback for feedback in errors)
    assert b"\\ud800" not in done.stdout  # dropped at the protocol, not escaped into JSON


# --- the pieces ------------------------------------------------------------------------------


def test_normalise_and_from_os() -> None:
    assert from_os(os.fsdecode(b"caf\xe9")) == "caf\ufffd"  # visible, not dropped
    assert from_os(NFD) == NFC
    assert normalise("a\ud800b\udcffc") == "abc"
    assert from_os("x\ud800") == "x"  # a surrogate that is no escaped byte


def test_escape_controls_on_one_line_and_on_many() -> None:
    text = "a\x1b[2J\x07\tb\nc\r\x85\u202e\x7f"
    assert escape_controls(text) == "a\\x1b[2J\\x07\\x09b\\x0ac\\x0d\\x85\\u202e\\x7f"
    assert escape_controls(text, one_line=False) == "a\\x1b[2J\\x07\tb\nc\\x0d\\x85\\u202e\\x7f"
    assert escape_controls("Zoë 日本 [bold]") == "Zoë 日本 [bold]"


def test_inert_text_is_never_markup() -> None:
    console = make_console(file=StringIO(), width=80)
    console.print(untrusted("[/x] [bold]not bold[/bold] :smile:"))
    assert console.file.getvalue() == "[/x] [bold]not bold[/bold] :smile:\n"  # type: ignore[attr-defined]


def hostile_result(feedback: str, output: str = "") -> ExerciseResult:
    check = CheckResult(
        name="c", title="t", status="error", score=0, max_score=1, feedback=feedback
    )
    return ExerciseResult(exercise="exercise2", score=0, max_score=1, checks=[check], output=output)


def test_reports_render_hostile_ids_feedback_and_output_inert() -> None:
    result = hostile_result(f"[/x]{ESCAPES}boom", output=f"{ESCAPES}printed\n[red]x")
    batch = BatchResult(
        submissions=[
            SubmissionResult(student=f"[/x]{ESCAPES}", score=0, max_score=1, exercises=[result])
        ],
        warnings=[f"{ESCAPES}warned\nforged line [/x]"],
    )
    for renderable in (batch_summary(batch, ["exercise2"]), exercise_report(result, "T", MALLORY)):
        console = make_console(file=StringIO(), width=80)
        console.print(renderable)
        shown = console.file.getvalue()  # type: ignore[attr-defined]
        assert raw_controls(shown.encode()) == []
        assert "\\x1b[2J" in shown
    assert "warning: \\x1b[2J\\x1b[H\\x1b]0;pwned\\x07warned\\x0aforged line [/x]" in " ".join(
        line.strip() for line in _render(batch_summary(batch, ["exercise2"]), 200).splitlines()
    )


def _render(renderable: Any, width: int) -> str:
    console = make_console(file=StringIO(), width=width)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def test_json_on_stdout_carries_no_raw_c1_control_or_bidi_override() -> None:
    # JSON escapes C0 itself; C1 (U+009B is CSI), DEL, line separators and format characters
    # it may carry raw, and `grade exerciseN --json` is often read on a terminal
    text = "a\x9b31mred\x85\u202eevil\u2028\x7f\u200b\U000e0041 é 😀"
    result = ExerciseResult(
        exercise="exercise2",
        score=0,
        max_score=1,
        checks=[CheckResult(name="c", status="error", score=0, max_score=1, feedback=text)],
        output=text,
    )
    out = StringIO()
    emit_json(result, out)
    written = out.getvalue()
    assert escape_controls(written, one_line=False) == written  # nothing a terminal acts on
    assert ExerciseResult.model_validate_json(written) == result
    assert "é 😀" in written  # printable text stays readable


def test_the_protocol_drops_lone_surrogates_from_strings_and_keys() -> None:
    frame = encode({"bad\udcff": ["x\ud800y", ("\udfff",)], "ok": "😀"})
    assert decode(frame) == {"bad": ["xy", ("",)], "ok": "😀"}


def test_a_result_with_a_lone_surrogate_is_made_recordable() -> None:
    result = hostile_result("boom \ud800")
    with pytest.raises(ValueError):
        result.model_dump_json()
    assert _recordable(result).checks[0].feedback == "boom "
    failed = _unrecordable(result, UnicodeEncodeError("utf-8", "", 0, 1, "surrogates"))
    assert [(c.status, c.score) for c in failed.checks] == [("invalid", 0.0)]
    assert "could not record this result (UnicodeEncodeError)" in failed.checks[0].feedback
    failed.model_dump_json()


def test_a_notebook_with_a_lone_surrogate_is_graded_with_a_note() -> None:
    code, notes = extract_code(notebook_with_surrogate("x = 1\n"))
    assert "\ud800" not in code and "x = 1" in code
    assert notes == ["removed 1 character that are not valid Unicode"]
    code.encode("utf-8")


# --- intake ----------------------------------------------------------------------------------


def files_of(intake: Any) -> dict[str, list[tuple[str, str, bytes]]]:
    return {s.student: [(f.exercise, f.origin, f.data) for f in s.files] for s in intake.students}


def test_undecodable_names_are_replaced_visibly_and_their_files_read(tmp_path: Path) -> None:
    os.mkdir(os.fsencode(tmp_path) + b"/caf\xe9")
    write(Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9")), "exercise1.py", "c1")
    with zipfile.ZipFile(tmp_path / "zed.zip", "w") as archive:
        info = zipfile.ZipInfo("exercise1.py")
        archive.writestr(info, "z1")
        archive.writestr("a\x1b[2J\nb.txt", "x")
    intake = read_submissions(tmp_path, IDS)
    assert files_of(intake) == {
        "caf\ufffd": [("exercise1", "caf\ufffd/exercise1.py", b"c1")],
        "zed": [("exercise1", "zed.zip:exercise1.py", b"z1")],
    }
    assert intake.warnings == ("zed.zip:a\x1b[2J\nb.txt: not matched to an exercise; not graded",)


def test_names_equal_after_nfc_are_one_id_fed_by_two_sources(tmp_path: Path) -> None:
    write(tmp_path, f"{NFC}/exercise1.py", "nfc")
    write(tmp_path, f"{NFD}/exercise1.py", "nfd")
    intake = read_submissions(tmp_path, IDS)
    assert files_of(intake) == {NFC: []}
    (warning,) = intake.warnings
    assert warning.startswith(
        f"{NFC}: 2 sources feed this id (folder {NFC}; folder {NFC} (spelt differently on disk))"
    )


def test_moodle_ids_come_from_the_right_hand_end(tmp_path: Path) -> None:
    eve = "Eve_1003_assignsubmission_file__2001_assignsubmission_file_"
    write(tmp_path, "Dan_1003_assignsubmission_file_/exercise1.py", "dan")
    write(tmp_path, f"{eve}/exercise1.py", "eve")
    write(tmp_path, f"{eve}exercise2.py", "ambiguous")
    intake = read_submissions(tmp_path, IDS)
    assert files_of(intake) == {
        "1003": [("exercise1", "Dan_1003_assignsubmission_file_/exercise1.py", b"dan")],
        "2001": [("exercise1", f"{eve}/exercise1.py", b"eve")],
    }
    assert intake.students[1].display_name == "Eve_1003_assignsubmission_file_"
    assert intake.warnings == (
        f"{eve}: the display name holds another Moodle id; filed under 2001, the id at the "
        "end (written by Moodle)",
        f"{eve}exercise2.py: two Moodle ids in one file name (one is in the display name or "
        "the file name); not graded",
    )


def test_a_folder_named_like_a_canvas_user_id_is_not_merged(tmp_path: Path) -> None:
    write(tmp_path, "smith_bob_1001_5001_exercise1.py", "canvas")
    write(tmp_path, "1001/exercise2.py", "folder")
    write(tmp_path, "1001/notes.txt", "n")
    intake = read_submissions(tmp_path, IDS)
    assert files_of(intake) == {"1001": []}
    assert "1001: 2 sources feed this id (Canvas user 1001; folder 1001)" in intake.warnings[-1]
    chosen = read_submissions(tmp_path, IDS, sources={"1001": "canvas"})
    assert files_of(chosen) == {
        "1001": [("exercise1", "smith_bob_1001_5001_exercise1.py", b"canvas")]
    }
    unsettled = read_submissions(tmp_path, IDS, sources={"1001": "zip"})
    assert files_of(unsettled) == {"1001": []}


def test_a_canvas_file_name_suffix_never_beats_a_later_submission(tmp_path: Path) -> None:
    write(tmp_path, "lee_ann_1004_5005_exercise1.py", "latest")
    write(tmp_path, "lee_ann_1004_5004_exercise1-99.py", "older")
    write(tmp_path, "lee_ann_1004_5006_2001_6001_exercise1.py", "names another id")
    intake = read_submissions(tmp_path, IDS)
    assert files_of(intake) == {
        "1004": [("exercise1", "lee_ann_1004_5005_exercise1.py", b"latest")]
    }
    assert intake.students[0].files[0].notes == (
        "latest Canvas submission (5005) used; 1 older ignored",
    )
    assert intake.warnings == (
        "lee_ann_1004_5006_2001_6001_exercise1.py: not matched to an exercise; not graded",
    )


def test_a_dot_named_moodle_folder_is_graded_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, ".Zed_7_assignsubmission_file_/exercise1.py", "z")
    write(tmp_path, "._smith_bob_1001_5001_exercise1.py", "AppleDouble junk")
    write(tmp_path, ".git/exercise1.py", "x")
    intake = read_submissions(tmp_path, IDS)
    assert files_of(intake) == {
        "7": [("exercise1", ".Zed_7_assignsubmission_file_/exercise1.py", b"z")]
    }
    assert intake.warnings == (
        ".Zed_7_assignsubmission_file_: the name starts with a dot (hidden on most systems); "
        "graded",
    )


def test_the_roster_matches_in_the_normalised_form(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    write(subs, f"{NFD}/exercise1.py", "j")
    write(subs, "BOB/exercise1.py", "b")
    roster = write(tmp_path, "roster.csv", f"id,name\n{NFC},J\nbob,B1\nBob,B2\n")
    intake = read_submissions(subs, IDS, roster=roster)
    assert files_of(intake)[NFC] == [("exercise1", f"{NFC}/exercise1.py", b"j")]
    assert files_of(intake)["BOB"] == [("exercise1", "BOB/exercise1.py", b"b")]
    assert intake.warnings[0] == (
        "BOB: matches roster ids Bob, bob only by case; not matched (write the id exactly "
        "as in the roster)"
    )


def test_a_student_has_a_memory_budget(tmp_path: Path) -> None:
    write(tmp_path, "alice/exercise1.py", b"#" * (700 << 10))
    write(tmp_path, "alice/exercise2.py", b"#" * (700 << 10))
    intake = read_submissions(tmp_path, IDS, max_archive_mb=1)
    assert [f.exercise for f in intake.students[0].files] == ["exercise1"]
    assert intake.warnings == (
        "alice: exercise2: alice/exercise2.py not graded: this student's files total over "
        "the 1 MB budget",
    )


MEASURE = """
import resource, sys
from pathlib import Path
from grader.staff.intake import read_submissions
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
intake = read_submissions(Path(sys.argv[1]), ["exercise1", "exercise2"], lazy=True)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(intake.students), sum(len(s.files) for s in intake.students), (after - before) // 1024)
"""


def test_archive_members_are_read_when_graded_not_held_at_intake(tmp_path: Path) -> None:
    """24 zips of eight 1 MiB members each (192 MiB if held): intake adds little resident."""
    member = b"".join(b"x = %08d  # padding that compresses 10-20x\n" % i for i in range(23832))
    folder = tmp_path / "subs"
    folder.mkdir()
    for number in range(24):
        with zipfile.ZipFile(folder / f"s{number:02d}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for copy in range(8):
                zf.writestr(f"v{copy}/exercise{1 + copy % 2}.py", member)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(folder)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    students, files, grown_mib = map(int, done.stdout.split())
    assert (students, files) == (24, 48)
    assert grown_mib < 48, f"intake grew resident memory by {grown_mib} MiB"


def test_exports_keep_working_after_bad_ids(tmp_path: Path) -> None:
    ids = ["a\ud800", "Ada", "ada", f"{ESCAPES}x", "=cmd", "a/b", "\x00"]
    batch = BatchResult(
        submissions=[
            SubmissionResult(student=s, score=0, max_score=1, exercises=[hostile_result(s)])
            for s in ids
        ]
    )
    write_csv(batch, tmp_path / "g.csv", ["exercise2"])
    write_junit(batch, tmp_path / "j.xml")
    write_html(batch, {"exercise2": "ReLU"}, tmp_path / "r.html")
    written = write_gradescope(batch, tmp_path / "gs")
    assert len(list(csv.reader((tmp_path / "g.csv").open(encoding="utf-8")))) == len(ids) + 1
    assert len(ET.parse(tmp_path / "j.xml").getroot().findall("testsuite")) == len(ids)
    assert len({p.parent.name.casefold() for p in written.values()}) == len(ids)
