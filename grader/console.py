"""The one place output leaves the grader: a console for stdout and one for stderr.

Everything the tool shows goes through these (no bare `print` in `grader/`). `--json`
writes the results model with `emit_json`, so stdout carries exactly one object.
"""

from __future__ import annotations

import sys
from typing import TextIO

from pydantic import BaseModel
from rich.console import Console


def make_console(file: TextIO | None = None, *, stderr: bool = False, width: int | None = None) -> Console:
    """A rich console; tests pass `file=StringIO()` and a fixed width."""
    return Console(file=file, stderr=stderr, width=width, highlight=False, soft_wrap=False)


def emit_json(model: BaseModel, file: TextIO | None = None) -> None:
    """Write one results model as one JSON document and a newline."""
    out = file if file is not None else sys.stdout
    out.write(model.model_dump_json(indent=2))
    out.write("\n")
    out.flush()


def error_line(message: str, console: Console | None = None) -> None:
    """A one-line error message on stderr (usage errors, bad input)."""
    (console or make_console(stderr=True)).print(f"[bold red]error:[/] {message}", markup=True)
