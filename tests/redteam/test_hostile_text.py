"""Student text that reaches a terminal, and names that decide nothing: a second review's cases.

Each test is one hostile input that no sandbox is needed for (intake, notebook reading, the
report's rendering): a notebook whose cell magic and file name carry terminal escapes, names
made of invisible format characters, and student folders whose ids look alike.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
from io import StringIO
from pathlib import Path

from grader.judge.registry import Registry
from grader.outputs.console import make_console, untrusted
from grader.outputs.models import BatchResult, ExerciseResult, SubmissionResult
from grader.outputs.report import batch_table
from grader.outputs.text import escape_controls
from grader.staff.intake import read_submissions
from grader.student.session import report
from grader.student.source import read_source

ROOT = Path(__file__).resolve().parents[2]
# A window title (OSC), clear screen (CSI), a bell and a right-to-left override.
ESCAPES = "\x1b]0;PWNED\x07\x1b[2J\u202e"
RAW = ("\x1b", "\x07", "\u202e")


def notebook(source: str) -> str:
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": []}
    cells = [{**cell, "id": "a", "source": source}]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})


def rendered(renderable: object) -> str:
    console = make_console(file=StringIO(), width=200)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def test_a_notebooks_cell_magic_and_file_name_are_inert_in_the_report(
    tmp_path: Path, registry: Registry
) -> None:
    """The note "dropped 1 cell with a cell magic (%%...)" quotes the cell and the file name;
    a TA running `grade exercise2 --file` on a student's notebook must see escapes, not obey
    them."""
    path = tmp_path / f"exercise2{ESCAPES}.ipynb"
    path.write_text(notebook(f"%%{ESCAPES}evil\nx = 1"), encoding="utf-8")
    student = read_source(path)
    assert any("cell magic" in note for note in student.notes)
    result = ExerciseResult(exercise="exercise2", score=0, max_score=1, checks=[])
    shown = rendered(report(registry.get("exercise2"), student, result))
    assert "cell magic" in shown and "PWNED" in shown
    assert not any(raw in shown for raw in RAW), repr(shown)


def test_every_invisible_format_character_is_shown_as_an_escape() -> None:
    """Zero-width spaces and joiners, the BOM, soft hyphens, tag characters (Unicode Cf) and
    the Hangul fillers: printed or in a name, each is shown, on one line or many."""
    invisible = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    invisible += ["\u115f", "\u1160", "\u3164", "\uffa0"]
    for char in invisible:
        for one_line in (True, False):
            shown = escape_controls(f"a{char}b", one_line=one_line)
            assert char not in shown and shown.startswith("a\\") and shown.endswith("b"), hex(
                ord(char)
            )
    assert escape_controls("\U000e0041") == "\\U000e0041"  # a tag "A": one unambiguous escape
    assert escape_controls("Zoë 日本 ∂L/∂w ✔") == "Zoë 日本 ∂L/∂w ✔"


def test_look_alike_student_ids_are_warned_about_and_drawn_apart(tmp_path: Path) -> None:
    """Folders `alice`, `Alice`, `alice` + U+200B and full-width `ａｌｉｃｅ`: four students (a
    folder's name is its student), a warning naming them, and four distinct rows."""
    names = ["alice", "Alice", "alice\u200b", "ａｌｉｃｅ"]
    solution = ROOT / "reference" / "exercise2" / "solution.py"
    for name in names:
        (tmp_path / name).mkdir()
        shutil.copy(solution, tmp_path / name / "exercise2.py")
    (tmp_path / "bob").mkdir()
    shutil.copy(solution, tmp_path / "bob" / "exercise2.py")
    intake = read_submissions(tmp_path, ["exercise2"])
    assert sorted(s.student for s in intake.students) == sorted([*names, "bob"])
    alike = [w for w in intake.warnings if "look alike" in w]
    assert len(alike) == 1 and all(repr(name) in alike[0] for name in names), intake.warnings
    assert "bob" not in alike[0]
    batch = BatchResult(
        submissions=[
            SubmissionResult(student=name, score=0, max_score=1, exercises=[]) for name in names
        ]
    )
    table = rendered(batch_table(batch, ["exercise2"]))
    rows = [line.split()[0] for line in table.splitlines() if line.split()]
    assert len({row for row in rows if "lice" in row or "ｌｉｃｅ" in row}) == len(names), rows
    assert "\\u200b" in rendered(untrusted(alike[0]))
