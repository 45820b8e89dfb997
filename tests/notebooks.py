"""Notebooks for the tests: a course file spread over several cells, as a student pastes it."""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def spread_cells(source: str) -> list[str]:
    """The file's text in three code cells, split before its first `import` line and before
    its first top-level `def`/`class`: so `from __future__` (after the docstring) is never in
    the first cell."""
    lines = source.splitlines(keepends=True)
    first_import = next(i for i, line in enumerate(lines) if line.startswith("import "))
    first_def = next(i for i, line in enumerate(lines) if line.startswith(("def ", "class ", "@")))
    head, middle, tail = lines[:first_import], lines[first_import:first_def], lines[first_def:]
    return ["".join(middle), "".join(head), "".join(tail)]


def write_notebook(path: Path, source: str, *, extra: tuple[str, ...] = ()) -> Path:
    """A notebook: a markdown cell, a `%time` magic, `source` over three cells, then `extra`."""
    code = spread_cells(source)
    assert "from __future__" in code[1] and "from __future__" not in code[0]
    cells = [
        nbformat.v4.new_markdown_cell("# The exercise\nWrite the code below."),
        nbformat.v4.new_code_cell("%time _ = 1"),
        *(nbformat.v4.new_code_cell(cell) for cell in code),
        *(nbformat.v4.new_code_cell(cell) for cell in extra),
    ]
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=cells)), encoding="utf-8")
    return path


def solution_notebook(path: Path, exercise_id: str, *, extra: tuple[str, ...] = ()) -> Path:
    """The reference solution of `exercise_id` as a notebook at `path`."""
    source = (ROOT / "reference" / exercise_id / "solution.py").read_text(encoding="utf-8")
    return write_notebook(path, source, extra=extra)
