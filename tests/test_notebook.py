"""Tests for grader.judge.notebook: code extraction from .ipynb files, without running anything."""

from __future__ import annotations

import json
import time
import warnings

import pytest

from grader.judge.notebook import (
    DROPPED,
    HEADER,
    HOISTED,
    NotebookError,
    extract_code,
    is_ipython_line,
    locate,
    relocate,
)


def notebook_bytes(*cells: tuple[str, str], minor: int = 5) -> bytes:
    """A v4 notebook file as Jupyter writes it: (cell_type, source) cells, sources as lists.

    `minor` below 5 gives an older v4 file, whose cells have no ids.
    """
    written = []
    for number, (kind, source) in enumerate(cells):
        cell: dict[str, object] = {"cell_type": kind, "metadata": {}}
        cell["source"] = source.splitlines(keepends=True)
        if kind == "code":
            cell.update(outputs=[], execution_count=None)
        if minor >= 5:
            cell["id"] = f"cell-{number}"
        written.append(cell)
    document = {"nbformat": 4, "nbformat_minor": minor, "metadata": {}, "cells": written}
    return json.dumps(document, indent=1).encode("utf-8")


def test_joins_code_cells_with_cell_markers_and_skips_markdown() -> None:
    data = notebook_bytes(
        ("markdown", "# ReLU\nSome $x$ maths."),
        ("code", "import torch"),
        ("markdown", "more text"),
        ("code", "def relu(x):\n    return x.clamp(min=0)"),
    )
    code, notes = extract_code(data)
    assert code == (
        f"{HEADER}\n# cell 2\nimport torch\n\n# cell 4\ndef relu(x):\n    return x.clamp(min=0)\n"
    )
    assert notes == []


def test_line_magics_shell_escapes_and_get_ipython_become_pass_keeping_line_numbers() -> None:
    source = (
        "%matplotlib inline\n"
        "import torch\n"
        "!pip install torch\n"
        "files = !ls\n"
        "t = %timeit -o f()\n"
        "get_ipython().run_line_magic('load_ext', 'autoreload')\n"
        "ip = get_ipython()\n"
        "for i in range(2):\n"
        "    %time f(i)\n"
        "x = 1"
    )
    code, notes = extract_code(notebook_bytes(("code", source)))
    lines = code.splitlines()
    assert lines[2:] == [
        DROPPED,
        "import torch",
        DROPPED,
        DROPPED,
        DROPPED,
        DROPPED,
        DROPPED,
        "for i in range(2):",
        "    " + DROPPED,
        "x = 1",
    ]
    assert notes == ["dropped 7 IPython magic/shell lines"]
    compile(code, "exercise3.ipynb", "exec")


def test_percent_and_bang_inside_expressions_strings_and_comments_are_kept() -> None:
    source = (
        "def f(a, b):\n"
        '    """Docstring with LaTeX:\n'
        "    % a comment in TeX\n"
        "    !important\n"
        '    """\n'
        "    return (a\n"
        "            % b)\n"
        "y = 7 \\\n"
        "    % 4\n"
        "# %not a magic, a comment\n"
        "s = '%d' % 3\n"
        "ok = 1 != 2"
    )
    code, notes = extract_code(notebook_bytes(("code", source)))
    assert code == f"{HEADER}\n# cell 1\n{source}\n"
    assert notes == []


def test_a_cell_magic_drops_the_whole_cell_and_is_named_in_the_notes() -> None:
    data = notebook_bytes(
        ("code", "\n%%timeit\nx = sum(range(10))"),
        ("code", "%%capture\nprint('hi')"),
        ("code", "%%timeit\ny = 2"),
        ("code", "z = 3"),
    )
    code, notes = extract_code(data)
    assert code == (
        f"{HEADER}\n"
        "# cell 1\n# grade: cell dropped (%%timeit cell magic)\n\n"
        "# cell 2\n# grade: cell dropped (%%capture cell magic)\n\n"
        "# cell 3\n# grade: cell dropped (%%timeit cell magic)\n\n"
        "# cell 4\nz = 3\n"
    )
    assert notes == ["dropped 3 cells with a cell magic (%%capture, %%timeit)"]


def test_one_dropped_line_is_singular_and_empty_notebook_is_noted() -> None:
    assert extract_code(notebook_bytes(("code", "!ls")))[1] == [
        "dropped 1 IPython magic/shell line"
    ]
    code, notes = extract_code(notebook_bytes(("markdown", "only prose")))
    assert code == f"{HEADER}\n"
    assert notes == ["the notebook has no code cells"]


def test_old_v4_notebook_without_cell_ids_reads_quietly() -> None:
    data = notebook_bytes(("code", "x = 1"), minor=4)
    assert b'"id"' not in data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, _ = extract_code(data)
    assert code.endswith("# cell 1\nx = 1\n")


def test_crlf_sources_are_normalised() -> None:
    code, notes = extract_code(notebook_bytes(("code", "%time f()\r\nx = 1\r\n")))
    assert code.endswith(f"# cell 1\n{DROPPED}\nx = 1\n")
    assert notes == ["dropped 1 IPython magic/shell line"]


def _with_cell_type(kind: str) -> bytes:
    document = json.loads(notebook_bytes(("code", "x = 1")))
    document["cells"][0]["cell_type"] = kind
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"print('not json')", "not a valid notebook: Notebook does not appear to be JSON"),
        (b"[]", "not a valid notebook:"),
        (b"{}", "not a valid notebook:"),
        (b'{"nbformat": 99, "nbformat_minor": 0}', "not a valid notebook: Unsupported nbformat"),
        (_with_cell_type("weird"), "not a valid notebook:"),
        (b"\xff\xfe{", "not a notebook: not UTF-8 text"),
        (b'{"a": ' * 100000, "not a valid notebook:"),
    ],
    ids=["not-json", "list", "empty", "version", "bad-cell", "not-utf8", "deep-nesting"],
)
def test_corrupt_notebooks_raise_a_clear_error(data: bytes, reason: str) -> None:
    with pytest.raises(NotebookError) as raised:
        extract_code(data)
    assert str(raised.value).startswith(reason)
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 200


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("%matplotlib inline", True),
        ("  !ls -la", True),
        ("out = !ls", True),
        ("a, b = %time f()", True),
        ("get_ipython().system('ls')", True),
        ("shell = get_ipython()", True),
        ("x = a % b", False),
        ("x %= 3", False),
        ("if a != b:", False),
        ("a == b", False),
        ("# %time", False),
        ("", False),
        ("print('%d' % 3)", False),
    ],
)
def test_is_ipython_line(line: str, expected: bool) -> None:
    assert is_ipython_line(line) is expected


def test_from_future_anywhere_is_hoisted_and_the_code_compiles() -> None:
    data = notebook_bytes(
        ("code", "import torch"),
        ("code", '"""The stub."""\n\nfrom __future__ import annotations  # PEP 563\nx: int = 1'),
        ("code", "from __future__ import annotations\ndef f() -> None:\n    pass"),
    )
    code, notes = extract_code(data)
    lines = code.splitlines()
    assert lines[:3] == [HEADER, "from __future__ import annotations", "# cell 1"]
    assert lines.count(HOISTED) == 2 and notes == []
    compile(code, "exercise2.ipynb", "exec")


def test_indented_or_quoted_future_lines_are_left_alone() -> None:
    source = (
        'if True:\n    from __future__ import annotations\ns = """\nfrom __future__ import x\n"""'
    )
    code, _ = extract_code(notebook_bytes(("code", source)))
    assert code == f"{HEADER}\n# cell 1\n{source}\n"


def test_a_long_line_that_almost_imports_from_future_takes_linear_time() -> None:
    # names and then spaces and a stray character: a regex with two runs of spaces after
    # `import` backtracks quadratically (over an hour of the judge's CPU for this line)
    line = "from __future__ import annotations" + " " * 200_000 + "!"
    data = notebook_bytes(("code", f"{line}\nfrom __future__ import annotations  # ok"))
    started = time.process_time()
    code, _ = extract_code(data)
    assert time.process_time() - started < 5
    hoisted = "from __future__ import annotations"
    assert code.splitlines()[1:] == [hoisted, "# cell 1", line, HOISTED]


def test_feedback_naming_thousands_of_lines_of_a_long_cell_is_relocated_in_linear_time() -> None:
    # the submission writes its own exception text: each `line N` walked back over the cell
    code, _ = extract_code(notebook_bytes(("markdown", "x"), ("code", "pass\n" * 150_000)))
    feedback = 'File "exercise2.py", line 149999\n' * 250 + 'File "x", line ' + "9" * 3000
    started = time.process_time()
    shown = relocate(feedback, code)
    assert time.process_time() - started < 5
    assert shown.splitlines()[0] == 'File "exercise2.py", cell 2, line 149997'
    assert shown.count("cell 2, line 149997") == 250 and shown.endswith("9" * 3000)


def test_a_cell_calling_grader_check_is_dropped_with_a_note() -> None:
    data = notebook_bytes(
        ("code", "x = 1"),
        ("code", "import grader\nresult = grader.check('exercise2')\nprint(result.score)"),
        ("code", "s = 'grader.check(x)'\n# grader.check('exercise2')"),
    )
    code, notes = extract_code(data)
    assert "# cell 2\n# grade: cell dropped (it calls grader.check)\n" in code
    assert "s = 'grader.check(x)'" in code  # a string or a comment is not a call
    assert notes == ["dropped 1 cell calling grader.check()"]


def test_locate_and_relocate_map_joined_lines_back_to_cells() -> None:
    data = notebook_bytes(
        ("markdown", "# Title"),
        ("code", "from __future__ import annotations\nimport torch"),
        ("code", "def f():\n    raise ValueError('x')"),
    )
    code, _ = extract_code(data)
    lines = code.splitlines()
    raising = lines.index("    raise ValueError('x')") + 1
    assert locate(code, raising) == (3, 2)
    assert locate(code, 2) is None  # the hoisted import belongs to no cell
    assert locate(code, 10_000) is None and locate("x = 1\n", 1) is None
    trace = f'File "nb.ipynb", line {raising}, in f\nSyntaxError: bad (line {raising}: x)'
    assert relocate(trace, code) == (
        'File "nb.ipynb", cell 3, line 2, in f\nSyntaxError: bad (cell 3, line 2: x)'
    )
    assert relocate(trace, "plain = 1\n") == trace  # not a notebook: unchanged
