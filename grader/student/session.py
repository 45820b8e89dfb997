"""One student run, shared by `grade exerciseN`, watch mode and `grader.check()`."""

from __future__ import annotations

from rich.console import Group, RenderableType

from grader.judge.registry import Exercise
from grader.judge.sandbox import Engine
from grader.judge.scoring import run_exercise
from grader.judge.spares import Spares
from grader.outputs.console import untrusted
from grader.outputs.models import ExerciseResult
from grader.outputs.report import exercise_report
from grader.outputs.text import from_os
from grader.student.source import StudentSource


def grade(
    engine: Engine,
    exercise: Exercise,
    student: StudentSource,
    device: str,
    spares: Spares | None = None,
) -> ExerciseResult:
    """Grade the student's file: public checks, and hidden ones where staff files are present."""
    include_hidden = exercise.hidden_checks_path is not None
    return run_exercise(
        engine,
        exercise,
        student.source,
        device=device,
        include_hidden=include_hidden,
        spares=spares,
    )


def pick_device(device: str) -> str:
    """`auto` is CUDA where there is one, else the CPU; anything else is taken as given."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def report(exercise: Exercise, student: StudentSource, result: ExerciseResult) -> RenderableType:
    """The notes on the file (which one, what was dropped from a notebook), then the report as
    the student sees it (hidden checks redacted)."""
    # a note names the file and what a notebook held (a cell magic's name): student text
    notes = [untrusted(f"note: {note}", style="dim") for note in student.notes]
    shown = result.for_students()  # hidden checks: title, verdict and a misconception's name
    return Group(*notes, exercise_report(shown, exercise.meta.title, from_os(str(student.path))))
