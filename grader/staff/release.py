"""`grade release OUT`: the student handout, built from public material only.

The handout holds the `grader` package, `exercises/` (stubs, READMEs, public checks and
probes, data files), the packaging files and a student README. Each stub also ships as a
notebook, `exercises/<id>/<id>.ipynb`, made with nbformat from the stub and its README: the
task in markdown cells, the stub's code in a code cell, and a last cell that checks it with
`grader.check` (the grader drops that cell when it grades the notebook). It never holds `reference/`
(solutions, hidden checks, mutants), sample submissions, staff tests or CI. For each exercise
with hidden checks it writes `hidden.json` with their count and points only, so students
learn how much is still to be graded but not what it tests.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import nbformat

from grader.judge.registry import Exercise, Registry

PACKAGING_FILES = ("pyproject.toml", "LICENSE")
CPU_INDEX = "https://download.pytorch.org/whl/cpu"  # torch's CPU builds, every platform
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*", "*.egg-info", "hidden.json")


class ReleaseError(Exception):
    """The handout cannot be written (for instance, OUT is not empty)."""


def write_handout(registry: Registry, out: Path) -> list[Path]:
    """Write the handout into `out` (which must not exist or be empty); return its files."""
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out} is not empty")
    root = registry.root
    if out.resolve() == root or root in out.resolve().parents:
        if "exercises" in out.resolve().relative_to(root).parts[:1]:
            raise ReleaseError("the handout cannot be written inside exercises/")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(root / "grader", out / "grader", ignore=IGNORED)
    for exercise in registry.exercises():
        target = out / "exercises" / exercise.id
        shutil.copytree(exercise.folder, target, ignore=IGNORED)
        write_notebook(exercise, target / f"{exercise.id}.ipynb")
        summary = exercise.hidden_summary
        if summary is not None and summary.count:
            (target / "hidden.json").write_text(
                json.dumps({"count": summary.count, "points": summary.points}) + "\n",
                encoding="utf-8",
            )
    for name in PACKAGING_FILES:
        if (root / name).is_file():
            shutil.copy2(root / name, out / name)
    (out / "README.md").write_text(student_readme(registry), encoding="utf-8")
    return sorted(p for p in out.rglob("*") if p.is_file())


def write_notebook(exercise: Exercise, path: Path) -> None:
    """The exercise as a notebook: README sections, the stub's code, a cell that checks it."""
    readme = exercise.folder / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else f"# {exercise.meta.title}"
    sections = [part.strip() for part in re.split(r"\n(?=## )", text) if part.strip()]
    v4: Any = nbformat.v4  # nbformat is untyped
    check_cell = f"import grader\n\ngrader.check({exercise.id!r})"
    cells = [
        *(v4.new_markdown_cell(section) for section in sections),
        v4.new_markdown_cell(
            "## Your code\n\nReplace each `raise NotImplementedError(...)` below. Split the code "
            "over as many cells as you like; save the notebook before you check it."
        ),
        v4.new_code_cell(exercise.stub.read_text(encoding="utf-8").rstrip("\n")),
        v4.new_markdown_cell(
            "## Check your work\n\nThis grades the notebook as saved, in a sandbox, and shows "
            "every check (keep this call in a cell of its own: it is not graded)."
        ),
        v4.new_code_cell(check_cell),
    ]
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.validate(notebook)
    writes: Any = nbformat.writes
    path.write_text(writes(notebook), encoding="utf-8")


def student_readme(registry: Registry) -> str:
    ids = registry.ids()
    example = "exercise2" if "exercise2" in ids else (ids[0] if ids else "exercise1")
    lines = [
        "# Lecture 06 exercises: automatic differentiation with PyTorch",
        "",
        "## Install",
        "",
        "Python 3.10 or newer, in a virtual environment. First torch, then this folder:",
        "",
        "    python -m venv .venv && . .venv/bin/activate     # Windows: .venv\\Scripts\\activate",
        f"    pip install torch==2.13.0 --index-url {CPU_INDEX}",
        "    pip install -e .",
        "",
        "The first `pip` line installs the CPU build of torch, which is all you need. Install",
        "torch first, from that index: on Linux, PyPI's torch is a CUDA build of several GiB",
        "(`nvidia-*` packages), and `pip install -e .` alone would let pip choose one. On macOS",
        "and Windows PyPI's torch is the CPU build, so `pip install torch==2.13.0` does as well.",
        "",
        "With an NVIDIA GPU you may use a CUDA build instead (`cu128` for a recent driver; see",
        "https://pytorch.org/get-started/locally/ for the one that fits yours):",
        "",
        "    pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128",
        "",
        "## Grade in a terminal",
        "",
        "Each exercise is a folder `exercises/<id>/` with the task (`README.md`), the code to",
        "complete (`<id>.py`) and the same as a notebook (`<id>.ipynb`). Work in either:",
        "",
        f"    grade {example}                  # the report: every check, what went wrong and why",
        f"    grade {example} --watch          # grade again on every save (Ctrl-C stops)",
        f"    grade {example} --file mine.ipynb  # grade another .py or .ipynb file",
        f"    grade {example} --json           # the same results as JSON",
        "    grade list                       # all exercises and their points",
        "",
        f"`grade {example}` grades `{example}.py`, or `{example}.ipynb` when that was saved last",
        "(the report says which). Errors point at your code: in a notebook as `cell 4, line 2`.",
        "",
        "## Grade in Jupyter",
        "",
        "Open `exercises/<id>/<id>.ipynb`, write your code, save (Ctrl-S), and run the last cell:",
        "",
        "    import grader",
        f"    grader.check({example!r})",
        "",
        "It grades the saved notebook (found from Jupyter's `__session__` or `JPY_SESSION_NAME`;",
        f"or give the path: `grader.check({example!r}, 'mine.ipynb')`), shows the report in the",
        "notebook and returns the results. Magics (`%time`) and shell lines (`!ls`) are left out",
        "of grading, and so is the cell that calls `grader.check`.",
        "",
        "## Hidden checks",
        "",
        "Your code runs in a sandbox; the public checks run on your machine. Staff also run",
        "hidden checks, with other inputs, when they grade: the report says how many there are",
        "and their points, never what they test. Passing the public checks by special-casing",
        "their inputs does not pass the hidden ones.",
        "",
        "| exercise | title | points (public + hidden) |",
        "|---|---|---|",
    ]
    for exercise in registry.exercises():
        public = exercise.max_score(include_hidden=False)
        summary = exercise.hidden_summary
        hidden = summary.points if summary else 0.0
        lines.append(f"| {exercise.id} | {exercise.meta.title} | {public + hidden:g} |")
    return "\n".join(lines) + "\n"
