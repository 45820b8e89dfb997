"""Notebooks as graded source: the code cells of an `.ipynb`, without IPython-only syntax.

`extract_code` reads a notebook with nbformat (converted to v4 and validated: a corrupt file
raises `NotebookError` with the reason) and joins its code cells into one Python file. It
never runs anything. What plain Python cannot run is removed, and each removal is reported:

- a cell whose first line is a cell magic (`%%timeit`, `%%capture`, ...) is dropped whole;
- so is a cell that calls `grader.check(...)` at its top level (the notebook's own check: in a
  sandbox it could only fail), so keep that call in a cell of its own;
- a line magic (`%matplotlib inline`), a shell escape (`!pip install ...`), an assignment from
  either (`files = !ls`, `t = %timeit -o f()`), a help request (`torch.autograd.grad?`,
  `??relu`) and a `get_ipython()` call are replaced by `pass` at the same indentation, which
  is what IPython's own rewrite of them amounts to when they have no effect; so the lines
  after them keep their numbers and blocks stay valid.

A cell's line breaks are read as Python reads them: `\r\n` and a lone `\r` (an old Mac
editor's) end a line too, so a magic on such a line is found and line numbers match the
traceback's.

A line only counts as IPython syntax where a new statement starts: `% b` continuing an
expression inside brackets, after a backslash, or inside a triple-quoted string is Python
(a modulo, or a docstring's LaTeX) and is kept.

Notebook JSON is student text: a `\ud800` escape decodes to a lone surrogate, which no file
can hold; such characters are dropped from the code (with a note), never a crash.

A `from __future__` import is valid only at the top of a module, and every stub starts with
one: wherever a cell has one (at the top level), it is moved to the top of the joined file and
its line becomes `pass`, so a stub pasted into any cell still compiles.

Line numbers stay meaningful: each code cell is preceded by `# cell N`, where N counts all
cells (markdown included) from the top of the notebook, and a cell's lines are kept one for
one. `locate` turns a line of the joined file back into (cell, line), and `relocate` rewrites
a traceback's `File "...", line 17` as `File "...", cell 4, line 2`: this is the one module
that turns notebooks into graded source, for the student command, `grader.check()`, the batch
and the handout.
"""

from __future__ import annotations

import bisect
import re
import warnings
from dataclasses import dataclass

import nbformat
from nbformat import reader

from grader.outputs.text import drop_surrogates

HEADER = "# notebook code cells, extracted by grade; '# cell N' is the N-th cell from the top"
DROPPED = "pass  # grade: IPython-only line removed"
HOISTED = "pass  # grade: `from __future__` import moved to the top"
_CHECK_CALL = re.compile(r"^(?:[\w.,\s]+=\s*)?grader\.check\(")
_CELL_MARK = re.compile(r"^# cell (\d+)$")
# `from __future__ import a, b  # note`: the names (and spaces) are checked by `_is_future`,
# in one pass; a regex with two runs of spaces after `import` takes quadratic time on a long line
_FUTURE = re.compile(r"from\s+__future__\s+import\s")
_FUTURE_NAMES = re.compile(r"[\w\s,]*")
_FILE_LINE = re.compile(r'(File "[^"\n]*", )line (\d+)')
_SYNTAX_LINE = re.compile(r"\(line (\d+): ")
_ASSIGNED_MAGIC = re.compile(r"^[\w\s.,\[\]()*]+=\s*[%!]")
_ASSIGNED_IPYTHON = re.compile(r"^[\w.]+\s*=\s*get_ipython\(")
# IPython's help syntax: `name?`, `name??`, `?name`, `??name` (dotted, `*` wildcards allowed)
_HELP = re.compile(r"^(?:\?{1,2}\s*[\w.*]+(?:\(\))?|[\w.*]+(?:\(\))?\s*\?{1,2})$")


class NotebookError(ValueError):
    """The bytes are not a readable, valid Jupyter notebook."""


def extract_code(data: bytes) -> tuple[str, list[str]]:
    """The notebook's code cells as one Python source, and notes on what was removed."""
    cells = _read_cells(data)
    invalid = sum(len(source) - len(drop_surrogates(source)) for _, source in cells)
    cells = [(kind, drop_surrogates(source)) for kind, source in cells]
    out: list[str] = []
    futures: list[str] = []
    dropped_lines = 0
    magic_cells: list[str] = []
    check_cells = 0
    for number, (kind, source) in enumerate(cells, start=1):
        if kind != "code":
            continue
        out.append(f"# cell {number}")
        magic = _cell_magic(source)
        if magic:
            out.extend([f"# grade: cell dropped ({magic} cell magic)", ""])
            magic_cells.append(magic)
            continue
        if _calls_check(source):
            out.extend(["# grade: cell dropped (it calls grader.check)", ""])
            check_cells += 1
            continue
        kept, dropped = strip_magics(source)
        out.extend(_hoist_futures(kept, futures))
        dropped_lines += dropped
        out.append("")
    head = [HEADER, *dict.fromkeys(futures)]
    code = "\n".join(head + out).rstrip("\n") + "\n"
    notes = _notes(cells, dropped_lines, magic_cells)
    if invalid:
        notes.append(f"removed {_count(invalid, 'character')} that are not valid Unicode")
    if check_cells:
        notes.append(f"dropped {_count(check_cells, 'cell')} calling grader.check()")
    return code, notes


def is_notebook_code(code: str) -> bool:
    """True for source that `extract_code` made (it starts with its header line)."""
    return code.startswith(HEADER + "\n")


def locate(code: str, line: int) -> tuple[int, int] | None:
    """(cell number, line in that cell) of a 1-based line of `extract_code`'s output.

    None for a line of the header (the hoisted `from __future__` imports), one past the end,
    or source that is not an extracted notebook.
    """
    return _Locator(code).locate(line) if is_notebook_code(code) else None


class _Locator:
    """`locate` for one extracted notebook, its cell marks found once: feedback can name
    thousands of lines (the submission writes its own exception messages)."""

    def __init__(self, code: str) -> None:
        lines = code.split("\n")
        self.count = len(lines)
        self.marks: list[int] = []  # indices of the `# cell N` lines, ascending
        self.cells: list[int] = []  # their N
        for number, text in enumerate(lines):
            mark = _CELL_MARK.match(text)
            if mark:
                self.marks.append(number)
                self.cells.append(int(mark.group(1)))

    def locate(self, line: int) -> tuple[int, int] | None:
        if line < 1 or line > self.count:
            return None
        found = bisect.bisect_right(self.marks, line - 1) - 1
        if found < 0:
            return None
        number = self.marks[found]
        return (self.cells[found], line - 1 - number) if number < line - 1 else None


def relocate(text: str, code: str) -> str:
    """Feedback with the joined file's line numbers turned into "cell N, line M"."""
    if not is_notebook_code(code):
        return text
    locator = _Locator(code)

    def at(digits: str) -> tuple[int, int] | None:
        return locator.locate(int(digits)) if len(digits) <= 9 else None

    def in_file(found: re.Match[str]) -> str:
        where = at(found.group(2))
        return f"{found.group(1)}cell {where[0]}, line {where[1]}" if where else found.group(0)

    def in_syntax_error(found: re.Match[str]) -> str:
        where = at(found.group(1))
        return f"(cell {where[0]}, line {where[1]}: " if where else found.group(0)

    return _SYNTAX_LINE.sub(in_syntax_error, _FILE_LINE.sub(in_file, text))


def _is_future(line: str) -> bool:
    """`from __future__ import` names (word characters, commas, spaces), then an optional
    `# comment`: what Python accepts on one line, parentheses aside."""
    start = _FUTURE.match(line)
    if start is None:
        return False
    names = line[start.end() - 1 :].split("#", 1)[0]
    return len(names) >= 2 and _FUTURE_NAMES.fullmatch(names) is not None


def _hoist_futures(lines: list[str], futures: list[str]) -> list[str]:
    """The cell's lines with top-level `from __future__` imports replaced by `pass` (and
    appended to `futures`)."""
    scanner = _Scanner()
    kept = []
    for line in lines:
        if scanner.at_statement_start() and _is_future(line):
            futures.append(line.split("#", 1)[0].strip())
            kept.append(HOISTED)
        else:
            kept.append(line)
            scanner.feed(line)
    return kept


def strip_magics(source: str) -> tuple[list[str], int]:
    """The cell's lines with IPython-only statements replaced by `pass`, and how many."""
    scanner = _Scanner()
    kept: list[str] = []
    dropped = 0
    for line in source.split("\n"):
        bare = line.rstrip("\r")
        if scanner.at_statement_start() and is_ipython_line(bare):
            indent = bare[: len(bare) - len(bare.lstrip())]
            kept.append(indent + DROPPED)
            dropped += 1
        else:
            kept.append(bare)
            scanner.feed(bare)
    return kept, dropped


def is_ipython_line(line: str) -> bool:
    """A statement line that only IPython understands (magic, shell escape, get_ipython)."""
    text = line.strip()
    if not text or text.startswith("#"):
        return False
    return (
        text[0] in "%!"
        or text.startswith("get_ipython(")
        or bool(_ASSIGNED_MAGIC.match(text))
        or bool(_ASSIGNED_IPYTHON.match(text))
        or bool(_HELP.match(text))
    )


def _calls_check(source: str) -> bool:
    """True when a top-level statement of the cell calls `grader.check(`."""
    scanner = _Scanner()
    for line in source.split("\n"):
        if scanner.at_statement_start() and _CHECK_CALL.match(line):
            return True
        scanner.feed(line)
    return False


def _cell_magic(source: str) -> str:
    """`%%name` when the cell starts with a cell magic, else ''."""
    for line in source.split("\n"):
        text = line.strip()
        if text:
            return text.split()[0] if text.startswith("%%") else ""
    return ""


def _read_cells(data: bytes) -> list[tuple[str, str]]:
    """(cell_type, source) of every cell; NotebookError for anything that is not a notebook."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"not a notebook: not UTF-8 text ({exc.reason})") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat's deprecation chatter on old notebooks
        try:
            parsed = reader.reads(text)  # type: ignore[no-untyped-call]
            notebook = nbformat.convert(parsed, 4)  # type: ignore[no-untyped-call]
            nbformat.validate(notebook)
        except Exception as exc:  # hostile input: any parser failure means "not a notebook"
            raise NotebookError(f"not a valid notebook: {_reason(exc)}") from None
    return [(str(cell.cell_type), _python_lines(str(cell.source))) for cell in notebook.cells]


def _python_lines(source: str) -> str:
    """The cell with every line break Python's tokenizer knows (`\\r\\n`, `\\r`) as `\\n`."""
    return source.replace("\r\n", "\n").replace("\r", "\n")


def _reason(exc: Exception) -> str:
    first = str(exc).strip().split("\n", 1)[0] or type(exc).__name__
    return first if len(first) <= 160 else first[:157] + "..."


def _notes(cells: list[tuple[str, str]], dropped_lines: int, magic_cells: list[str]) -> list[str]:
    notes = []
    if not any(kind == "code" for kind, _ in cells):
        notes.append("the notebook has no code cells")
    if dropped_lines:
        notes.append(f"dropped {_count(dropped_lines, 'IPython magic/shell line')}")
    if magic_cells:
        names = ", ".join(sorted(set(magic_cells)))
        notes.append(f"dropped {_count(len(magic_cells), 'cell')} with a cell magic ({names})")
    return notes


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass
class _Scanner:
    """Tracks, line by line, whether the next line starts a new Python statement.

    It follows string literals (single and triple quoted, with escapes), comments, bracket
    depth and backslash continuations; enough to tell a statement start from the middle of
    an expression or a string, without tokenising lines that are not Python.
    """

    quote: str = ""
    depth: int = 0
    continued: bool = False

    def at_statement_start(self) -> bool:
        return not self.quote and self.depth == 0 and not self.continued

    def feed(self, line: str) -> None:
        i, ended_in_comment = 0, False
        while i < len(line):
            char = line[i]
            if self.quote:
                if char == "\\":
                    i += 2
                    continue
                if line.startswith(self.quote, i):
                    i, self.quote = i + len(self.quote), ""
                    continue
            elif char == "#":
                ended_in_comment = True
                break
            elif char in "'\"":
                triple = line[i : i + 3]
                self.quote = triple if triple in ('"""', "'''") else char
                i += len(self.quote)
                continue
            elif char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            i += 1
        backslash = line.endswith("\\") and not ended_in_comment
        if len(self.quote) == 1 and not backslash:
            self.quote = ""  # an unterminated one-line string: a syntax error, not our concern
        self.continued = backslash and not self.quote
