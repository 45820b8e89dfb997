"""grade: a sandboxed auto-grader for Lecture 06, automatic differentiation with PyTorch.

In a notebook: `import grader; grader.check("exercise2")` grades the saved notebook and shows
the report (see `grader.student.jupyter` for how the notebook is found).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.outputs.models import ExerciseResult

__version__ = "0.1.0"


def check(
    exercise: str,
    path: str | os.PathLike[str] | None = None,
    *,
    device: str = "auto",
    display: bool = True,
) -> ExerciseResult:
    """Grade `exercise` (e.g. "exercise2") for this notebook, or the file at `path`.

    Displays the report in the cell and returns the results model. The notebook is graded as
    saved: save it first.
    """
    from grader.student.jupyter import check as check_in_kernel  # torch loads only now

    return check_in_kernel(exercise, path, device=device, display=display)
