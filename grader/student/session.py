"""One student run, shared by `grade exerciseN`, watch mode and `grader.check()`."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence

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

# What the judge imports on its first torch.testing.assert_close (torch.distributed.tensor, and
# with it sympy: about 1 s): imported on a thread while the judge waits for the sandbox.
JUDGE_LAZY_IMPORTS = ("torch.distributed.tensor",)


def warm_judge(modules: Sequence[str] = JUDGE_LAZY_IMPORTS) -> threading.Thread:
    """Import `modules` on a thread (the interpreter waits for it at exit)."""

    def load() -> None:
        for name in modules:
            importlib.import_module(name)

    thread = threading.Thread(target=load, name="grade-warm-judge")
    thread.start()
    return thread


def grade(
    engine: Engine,
    exercise: Exercise,
    student: StudentSource,
    device: str,
    spares: Spares | None = None,
) -> ExerciseResult:
    """Grade the student's file: public checks, and hidden ones where staff files are present."""
    include_hidden = exercise.hidden_checks_path is not None
    exercise.checks(include_hidden)  # loaded before the warm-up thread imports anything
    warm_judge()
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
