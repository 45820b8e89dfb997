"""Errors PyTorch raises for known autograd misconceptions, named for the student.

When a student's code raises, the verdict is `error` whatever the text says (the verdict never
depends on an error's wording). This module only adds a name to it, one of
the library's diagnoses (`grader.authoring.diagnose`, which also names them from behaviour): the
misconception from the course plan (docs/course.md) that PyTorch's own message points to, with
the slide to reread. It reads the error's type and text as plain strings that crossed the
sandbox boundary.

    diagnosis = diagnose_error("RuntimeError", "Trying to backward through the graph a ...")
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.authoring import diagnose
from grader.outputs.models import Diagnosis


@dataclass(frozen=True)
class KnownError:
    """One misconception and the PyTorch error that betrays it."""

    kind: str  # the exception's class name
    pattern: re.Pattern[str]
    diagnosis: Diagnosis


# Text -> diagnosis only: each diagnosis is defined once, in grader.authoring.diagnose.
KNOWN_ERRORS: tuple[KnownError, ...] = tuple(
    KnownError(kind, re.compile(pattern), diagnosis)
    for kind, pattern, diagnosis in (
        (
            "RuntimeError",
            r"Trying to backward through the graph a second time",
            diagnose.BACKWARD_TWICE,
        ),
        (
            "RuntimeError",
            r"a leaf Variable that requires grad is being used in an in-place operation",
            diagnose.INPLACE_LEAF_UPDATE,
        ),
        (
            "RuntimeError",
            r"element \d+ of tensors does not require grad and does not have a grad_fn",
            diagnose.GRAPH_CUT,
        ),
        (
            "RuntimeError",
            r"one of the variables needed for gradient computation has been modified by an "
            r"inplace",
            diagnose.INPLACE_SAVED_VALUE,
        ),
        (
            "RuntimeError",
            r"appears to not have been used in the graph",
            diagnose.INPUT_NOT_IN_GRAPH,
        ),
        (
            "TypeError",
            r"Softmax\.forward\(\) (got an unexpected keyword argument 'dim'|takes 2 positional)",
            diagnose.SOFTMAX_MODULE_CALLED_WITH_DIM,
        ),
    )
)


def diagnose_error(kind: str, message: str) -> Diagnosis | None:
    """The misconception a PyTorch error of class `kind` with `message` points to, if known."""
    for known in KNOWN_ERRORS:
        if kind == known.kind and known.pattern.search(message):
            return known.diagnosis
    return None


_RAISED = re.compile(r"^(?P<kind>[A-Za-z_][\w.]*(?:Error|Exception)): (?P<message>.*)$", re.M)


def diagnose_error_text(text: str) -> Diagnosis | None:
    """The same, from a traceback's or a verdict's text ("RuntimeError: element 0 ...")."""
    for found in _RAISED.finditer(text):
        diagnosis = diagnose_error(found["kind"].rsplit(".", 1)[-1], found["message"])
        if diagnosis is not None:
            return diagnosis
    return None
