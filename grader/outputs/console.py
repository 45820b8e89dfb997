"""The one place output leaves the grader: a console for stdout and one for stderr.

Everything the tool shows goes through these (no bare `print` in `grader/`). `--json`
writes the results model with `emit_json`, so stdout carries exactly one object.

Text a student controls (ids, file names, warnings, feedback, printed output) is shown only
as `untrusted(text)`: a rich `Text` (never parsed as markup, so `[/x]` or `[bold]` is shown as
written) whose control characters are escaped (`grader.outputs.text.escape_controls`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from pydantic import BaseModel
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from grader.outputs.text import escape_controls, json_inert


def make_console(
    file: TextIO | None = None, *, stderr: bool = False, width: int | None = None
) -> Console:
    """A rich console; tests pass `file=StringIO()` and a fixed width."""
    return Console(file=file, stderr=stderr, width=width, highlight=False, soft_wrap=False)


def untrusted(text: str, *, one_line: bool = True, style: str = "") -> Text:
    """Untrusted text as a renderable that cannot style, move or clear the terminal.

    `one_line` (ids, names, warnings) escapes newlines and tabs too; without it (feedback,
    printed output) lines are kept and every other control character is escaped.
    """
    return Text(escape_controls(text, one_line=one_line), style=style)


def emit_json(model: BaseModel, file: TextIO | None = None) -> None:
    """Write one results model as one JSON document and a newline."""
    out = file if file is not None else sys.stdout
    out.write(json_inert(model.model_dump_json(indent=2)))  # raw C1 and bidi never reach a tty
    out.write("\n")
    out.flush()


def error_line(message: str, console: Console | None = None) -> None:
    """A one-line error message on stderr (usage errors, bad input)."""
    line = Text("error: ", style="bold red").append_text(untrusted(message))
    (console or make_console(stderr=True)).print(line)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[int], Callable[[], None]]]:
    """A progress bar on stderr with counts and ETA; yields `start(total) -> advance()`."""
    progress = Progress(
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=make_console(stderr=True),
        disable=not enabled,
        transient=False,
    )

    def start(total: int) -> Callable[[], None]:
        task = progress.add_task("grading", total=total)
        return lambda: progress.advance(task)

    with progress:
        yield start
