"""`grade release OUT`: the student handout, built from public material only.

The handout holds the `grader` package, `exercises/` (stubs, READMEs, public checks and
probes, data files), the packaging files and a student README. It never holds `reference/`
(solutions, hidden checks, mutants), sample submissions, staff tests or CI. For each exercise
with hidden checks it writes `hidden.json` with their count and points only, so students
learn how much is still to be graded but not what it tests.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from grader.judge.registry import Registry

PACKAGING_FILES = ("pyproject.toml", "LICENSE")
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


def student_readme(registry: Registry) -> str:
    lines = [
        "# Lecture 06 exercises: automatic differentiation with PyTorch",
        "",
        "Install once (CPU build of torch shown; any torch 2.6+ works):",
        "",
        "    pip install torch -e .",
        "",
        "Edit `exercises/<id>/<id>.py`, then grade it on your machine:",
        "",
        "    grade exercise2            # the report: every check, what went wrong and why",
        "    grade exercise2 --json     # the same results as JSON",
        "    grade list                 # all exercises",
        "",
        "Your code runs in a sandbox; the public checks run here, and staff run hidden checks",
        "with other inputs when they grade. The report says how many hidden checks remain.",
        "",
        "| exercise | title |",
        "|---|---|",
    ]
    lines += [f"| {e.id} | {e.meta.title} |" for e in registry.exercises()]
    return "\n".join(lines) + "\n"
