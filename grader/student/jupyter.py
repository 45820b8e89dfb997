"""`grader.check("exercise2")` in a Jupyter notebook: grade the saved notebook, show the report.

Which file is graded, first match wins:

1. the path given as the second argument (a `.py` file or a `.ipynb` notebook);
2. the notebook this kernel runs, as Jupyter names it: `__session__` in the notebook's
   namespace (set by ipykernel under JupyterLab and Notebook 7), else the `JPY_SESSION_NAME`
   environment variable (set by jupyter_server for the kernels it starts);
3. what `grade exercise2` would grade: `exercises/exercise2/exercise2.ipynb` or `.py` of the
   course folder found from the kernel's working folder (the one saved last).

It grades the file as saved on disk, so save the notebook first (Ctrl-S) and unsaved edits are
not graded. The course folder is the one at or above the graded file. Grading is what the
command line does: the same sandbox, judge and limits; the zygote is started once per kernel
and kept warm for later calls. The report is displayed as HTML in the cell's output, and the
`ExerciseResult` is returned.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from grader.judge.registry import Registry, find_root
from grader.judge.sandbox import Engine
from grader.judge.scoring import judge_threads
from grader.outputs.models import ExerciseResult
from grader.outputs.notebook_display import show
from grader.student.session import grade, pick_device, report
from grader.student.source import student_source

SESSION_ENV = "JPY_SESSION_NAME"


@cache
def warm_engine() -> Engine:
    """One engine per kernel: its zygote (a torch import) is paid for on the first call only."""
    engine = Engine("forkserver")
    engine.start()
    judge_threads()
    return engine


def running_notebook() -> Path | None:
    """The notebook file this kernel runs, as Jupyter names it, if it exists."""
    candidates: list[object] = []
    try:
        from IPython.core.getipython import get_ipython

        shell = get_ipython()  # type: ignore[no-untyped-call]
    except ImportError:
        shell = None
    if shell is not None:
        candidates.append(shell.user_ns.get("__session__"))
    candidates.append(os.environ.get(SESSION_ENV))
    for name in candidates:
        if isinstance(name, str) and name.endswith(".ipynb") and Path(name).is_file():
            return Path(name)
    return None


def check(
    exercise_id: str,
    path: str | os.PathLike[str] | None = None,
    *,
    device: str = "auto",
    display: bool = True,
) -> ExerciseResult:
    """Grade `exercise_id` for the notebook (or the file at `path`); display and return it."""
    file = Path(path) if path is not None else running_notebook()
    root = find_root(file.resolve().parent if file is not None else Path.cwd())
    exercise = Registry(root).get(exercise_id)
    student = student_source(exercise, file)
    result = grade(warm_engine(), exercise, student, pick_device(device))
    if display:
        show(report(exercise, student, result))
    return result.for_students()
