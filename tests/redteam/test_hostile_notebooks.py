"""Odd but valid notebooks, graded the way `grade exerciseN --file` and `grade batch` read them.

A correct solution stays correct whatever the notebook around it holds: nbformat 3, raw and
markdown cells holding code that must never run, attachments, huge outputs with terminal
escapes, a cell saved with old-Mac `\\r` line breaks, IPython help syntax (`relu?`). Code in
raw or markdown cells never runs; an invalid notebook is one clear problem, never a crash.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hostile import LIMITS

from grader.judge.notebook import NotebookError, extract_code, locate
from grader.judge.registry import Registry
from grader.judge.sandbox import Engine
from grader.judge.scoring import run_exercise
from grader.staff.intake import read_submissions
from grader.student.source import SourceError, read_source

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "reference" / "exercise2" / "solution.py").read_text(encoding="utf-8")
MARK = "RAN-CODE-OUTSIDE-A-CODE-CELL"
HOSTILE_RUN = f"import os; os.write(2, b'{MARK}'); os._exit(0)"


def cell(kind: str, source: str, **extra: object) -> dict[str, object]:
    found: dict[str, object] = {"cell_type": kind, "metadata": {}, "source": source, **extra}
    if kind == "code":
        found = {"execution_count": None, "outputs": [], **found}
    return found


def odd_v4() -> dict[str, object]:
    """The solution in one cell saved with `\\r` breaks, among cells that must not run."""
    escapes = "\x1b]0;PWNED\x07\x1b[2J"
    cells = [
        cell("raw", HOSTILE_RUN),
        cell(
            "markdown", f"```python\n{HOSTILE_RUN}\n```", attachments={"a.png": {"image/png": ""}}
        ),
        cell("code", "%matplotlib inline\nimport torch\ntorch.autograd.grad?\n??torch.relu"),
        cell("code", SOLUTION.replace("\n", "\r")),
        cell(
            "code",
            "relu?",
            outputs=[{"output_type": "stream", "name": "stdout", "text": escapes * 100_000}],
        ),
    ]
    for number, found in enumerate(cells):
        found["id"] = f"cell-{number}"
    metadata = {"kernelspec": {"name": escapes, "display_name": escapes, "language": "python"}}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells}


def odd_v3() -> dict[str, object]:
    """nbformat 3: cells under worksheets, code in `input`, a heading cell."""
    cells = [
        {"cell_type": "heading", "level": 1, "source": "exercise2", "metadata": {}},
        {"cell_type": "raw", "source": HOSTILE_RUN, "metadata": {}},
        {
            "cell_type": "code",
            "input": "%load_ext autoreload\n" + SOLUTION,
            "language": "python",
            "outputs": [],
            "collapsed": False,
            "metadata": {},
        },
    ]
    return {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""}, "worksheets": [
        {"cells": cells, "metadata": {}}
    ]}  # fmt: skip


@pytest.mark.parametrize("make", [odd_v4, odd_v3], ids=["v4", "v3"])
def test_an_odd_notebook_with_a_correct_solution_scores_full_marks(
    make: object, tmp_path: Path, warm_engine: Engine, registry: Registry,
    capfd: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path = tmp_path / "exercise2.ipynb"
    path.write_text(json.dumps(make()), encoding="utf-8")  # type: ignore[operator]
    student = read_source(path)  # what `grade exercise2 --file` and grader.check() read
    exercise = registry.get("exercise2")
    limits = LIMITS.model_copy(update={"total_s": 60, "import_s": 30})
    result = run_exercise(warm_engine, exercise, student.source, limits=limits)
    assert result.score == result.max_score, [(c.name, c.status, c.feedback) for c in result.checks]
    assert MARK not in result.output and MARK not in capfd.readouterr().err
    # a batch reads the same code from a student's folder
    (tmp_path / "subs" / "bob").mkdir(parents=True)
    shutil.copy(path, tmp_path / "subs" / "bob" / "exercise2.ipynb")
    intake = read_submissions(tmp_path / "subs", ["exercise2"])
    (bob,) = intake.students
    assert bob.files[0].read() == student.source.data, intake.warnings


def test_lone_carriage_returns_keep_line_numbers_as_python_counts_them() -> None:
    source = "x = 1\r%ls\rraise ValueError('here')\r"
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {**cell("markdown", "intro"), "id": "m"}, {**cell("code", source), "id": "c"},
    ]}  # fmt: skip
    code, notes = extract_code(json.dumps(notebook).encode())
    assert notes == ["dropped 1 IPython magic/shell line"]
    compile(code, "nb", "exec")
    line = next(n for n, text in enumerate(code.split("\n"), start=1) if "ValueError" in text)
    assert locate(code, line) == (2, 3)  # cell 2 (the markdown counts), its third line


@pytest.mark.parametrize(
    "data",
    [b'{"nbformat": 4, "cells": [', b"[1, 2, 3]", b"\xff\xfe", b'{"nbformat": 5, "cells": []}',
     b'{"a":' * 50_000 + b"1" + b"}" * 50_000],
    ids=["truncated", "not_an_object", "not_utf8", "nbformat5", "deep"],
)  # fmt: skip
def test_an_invalid_notebook_is_one_clear_problem(data: bytes, tmp_path: Path) -> None:
    with pytest.raises(NotebookError):
        extract_code(data)
    path = tmp_path / "exercise2.ipynb"
    path.write_bytes(data)
    with pytest.raises(SourceError, match="exercise2.ipynb"):
        read_source(path)
    (tmp_path / "subs" / "bob").mkdir(parents=True)
    shutil.copy(path, tmp_path / "subs" / "bob" / "exercise2.ipynb")
    intake = read_submissions(tmp_path / "subs", ["exercise2"])
    assert not intake.students[0].files
    assert any("exercise2.ipynb" in warning for warning in intake.warnings)


def test_help_syntax_is_dropped_only_where_a_statement_starts(registry: Registry) -> None:
    source = 'relu?\n??relu\ntorch.nn.*Loss?\nx = 1  # why?\ns = """\nwhat?\n"""\n'
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {**cell("code", source), "id": "c"},
    ]}  # fmt: skip
    code, notes = extract_code(json.dumps(notebook).encode())
    assert notes == ["dropped 3 IPython magic/shell lines"]
    assert "x = 1  # why?" in code and "\nwhat?\n" in code
    compile(code, "nb", "exec")
