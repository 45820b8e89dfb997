"""Which file a student's run grades, and its source as the judge receives it.

`grade exerciseN` grades `exercises/<id>/<id>.py`, or `<id>.ipynb` next to it when the student
works in the notebook; when both exist, the one saved last (and the report says so). A notebook
is turned into Python by `grader.judge.notebook`, the same path the batch takes. Choosing the
file imports neither nbformat nor torch: `grade exerciseN` says a path is wrong before it
starts the zygote.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.judge.registry import Exercise
from grader.outputs.text import escape_controls, from_os

if TYPE_CHECKING:
    from grader.judge.scoring import Source

SOURCE_SUFFIXES = (".py", ".ipynb")


class SourceError(Exception):
    """The file cannot be graded (missing, a folder, not Python or a notebook): one line."""


@dataclass(frozen=True)
class StudentSource:
    """The graded file, its source for the judge, and notes to show before the report."""

    path: Path
    source: Source
    notes: tuple[str, ...] = ()


def notebook_path(exercise: Exercise) -> Path:
    return exercise.folder / f"{exercise.id}.ipynb"


def choose_file(exercise: Exercise, file: Path | None) -> tuple[Path, str]:
    """The file to grade and, when there was a choice, why this one."""
    if file is not None:
        return check_path(file), ""
    script, notebook = exercise.stub, notebook_path(exercise)
    if not notebook.is_file():
        return script, ""
    if not script.is_file():
        return notebook, ""
    newer = notebook if notebook.stat().st_mtime > script.stat().st_mtime else script
    older = script if newer == notebook else notebook
    return newer, f"graded {newer.name}, saved after {older.name} (use --file to choose)"


def check_path(path: Path) -> Path:
    if path.is_dir():
        raise SourceError(f"{path} is a folder; give a .py file or a .ipynb notebook")
    if not path.exists():
        raise SourceError(f"no such file: {path}")
    if path.suffix.lower() not in SOURCE_SUFFIXES:
        raise SourceError(f"{path} is not a Python file or a notebook (.py or .ipynb)")
    return path


def read_source(path: Path, why: str = "") -> StudentSource:
    """The file's source: a notebook's code cells joined (with notes), a .py file as it is."""
    from grader.judge.notebook import NotebookError, extract_code  # nbformat: notebooks only
    from grader.judge.scoring import Source  # the judge's modules import torch

    try:
        data = check_path(path).read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from None
    notes = [why] if why else []
    if path.suffix.lower() == ".ipynb":
        try:
            code, found = extract_code(data)
        except NotebookError as exc:
            raise SourceError(f"{path}: {exc}") from None
        data = code.encode("utf-8")
        notes += [f"{path.name}: {note}" for note in found]
    shown = escape_controls(from_os(path.name))  # the name reaches feedback as text
    return StudentSource(path, Source(data, shown), tuple(notes))


def student_source(exercise: Exercise, file: Path | None) -> StudentSource:
    """`choose_file` then `read_source`: what `grade exerciseN [--file F]` grades."""
    path, why = choose_file(exercise, file)
    return read_source(path, why)
