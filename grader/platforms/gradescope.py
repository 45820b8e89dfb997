"""Gradescope: an autograder zip for one assignment, and what runs inside Gradescope's container.

    grade gradescope exercise2 exercise3 -o autograder.zip

The zip holds `setup.sh` (installs the CPU build of torch, pinned, then the grader from the
wheel inside the zip), `run_autograder` (grades `/autograder/submission` and writes
`/autograder/results/results.json`), the wheel, and `course/`: the assignment's exercises and
their staff files. The root is `/autograder` unless `GRADE_AUTOGRADER_ROOT` says otherwise,
which is how the tests run it in a temporary folder.

A course's `course.toml` (due dates, late policy, extensions keyed by the student's email on
Gradescope) travels in the zip; `run_autograder` applies it with the submission time from
`submission_metadata.json` (`created_at`), so `score` is the score after policy and
`extra_data` keeps the raw one and each exercise's policy line. Without a due date there, nothing
is charged and the metadata's own due date only marks the submission late.

Every submission gets its own container on Gradescope, so a run there may be degraded (no user
namespaces in Docker, say); what still works (a separate process, rlimits, Landlock, seccomp)
stays on, and `extra_data.isolation` says which layers were active.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

import grader
from grader.judge.registry import Registry
from grader.outputs.exports import gradescope_test, number
from grader.outputs.models import ExerciseGrade
from grader.platforms.upload import GradedUpload, grade_upload
from grader.staff.policy import COURSE_FILE, Lateness, course_file, grade_exercise, load_course

ROOT_ENV = "GRADE_AUTOGRADER_ROOT"
DEFAULT_ROOT = Path("/autograder")
TORCH_PIN = "torch==2.13.0"
CONFIG_NAME = "gradescope.json"
Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]
VISIBILITIES: tuple[Visibility, ...] = ("hidden", "after_due_date", "after_published", "visible")


class AutograderConfig(BaseModel):
    """What the zip's `course/gradescope.json` says: the assignment's exercises and visibility."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exercises: Annotated[tuple[str, ...], Field(min_length=1)]
    hidden_visibility: Visibility = "after_published"
    grader_version: str = grader.__version__
    exercise_versions: dict[str, str] = Field(default_factory=dict)


SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${{PYTHON:-python3}}"
# The CPU build of torch first, pinned: a bare `torch` requirement would pull a CUDA build of
# several GB that Gradescope's CPU-only containers cannot use.
"$PYTHON" -m pip install --quiet "{TORCH_PIN}" \\
  --index-url "${{TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}}"
# The grader itself, from the wheel inside this zip (its other requirements come from PyPI);
# the second line makes sure this wheel is the one installed, whatever the image had.
"$PYTHON" -m pip install --quiet ./grade-*.whl
"$PYTHON" -m pip install --quiet --force-reinstall --no-deps ./grade-*.whl
"$PYTHON" -m grader.cli --help >/dev/null
"""

RUN_AUTOGRADER = f"""#!/usr/bin/env bash
# Gradescope runs this once per submission; results go to $ROOT/results/results.json.
set -uo pipefail
ROOT="${{{ROOT_ENV}:-/autograder}}"
cd "$ROOT/source"
exec grade gradescope-run --root "$ROOT"
"""


def build_autograder(
    registry: Registry,
    exercise_ids: list[str],
    output: Path,
    *,
    hidden_visibility: Visibility = "after_published",
    wheel: Path | None = None,
) -> Path:
    """Write the autograder zip for one assignment of `exercise_ids`; returns its path."""
    exercises = [registry.get(exercise_id) for exercise_id in exercise_ids]
    config = AutograderConfig(
        exercises=tuple(exercise_ids),
        hidden_visibility=hidden_visibility,
        exercise_versions={e.id: e.meta.version for e in exercises},
    )
    with tempfile.TemporaryDirectory(prefix="grade-gradescope-") as work:
        built = wheel if wheel is not None else build_wheel(Path(work))
        output.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
            _add_script(archive, "setup.sh", SETUP_SH)
            _add_script(archive, "run_autograder", RUN_AUTOGRADER)
            archive.write(built, built.name)
            archive.writestr(f"course/{CONFIG_NAME}", config.model_dump_json(indent=2) + "\n")
            policy = course_file(registry.root)
            if policy.is_file():
                load_course(policy, registry.ids())  # a broken course.toml fails here, not there
                archive.write(policy, f"course/{COURSE_FILE}")
            for exercise in exercises:
                _add_tree(archive, exercise.folder, f"course/exercises/{exercise.id}")
                if exercise.reference_folder is not None:
                    for name in ("solution.py", "hidden_checks.py"):
                        path = exercise.reference_folder / name
                        if path.is_file():
                            archive.write(path, f"course/reference/{exercise.id}/{name}")
    return output


def build_wheel(folder: Path) -> Path:
    """A wheel of the installed grader, built from its source checkout."""
    project = Path(grader.__file__).resolve().parents[1]
    if not (project / "pyproject.toml").is_file():
        raise RuntimeError(
            "the grader is not installed from a source checkout; pass --wheel with a built wheel"
        )
    for isolation in (["--no-build-isolation"], []):
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", *isolation]
            + ["--wheel-dir", str(folder), str(project)],
            capture_output=True,
            text=True,
        )
        wheels = sorted(folder.glob("grade-*.whl"))
        if done.returncode == 0 and wheels:
            return wheels[-1]
    raise RuntimeError(f"could not build the grader's wheel: {done.stderr.strip()[-500:]}")


def _add_script(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


def _add_tree(archive: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            archive.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")


def run_autograder(root: Path) -> dict[str, Any]:
    """Grade `root/submission`, write `root/results/results.json`, return what was written."""
    course = root / "source" / "course"
    config = AutograderConfig.model_validate_json((course / CONFIG_NAME).read_text("utf-8"))
    metadata = root / "submission_metadata.json"
    late, late_note = read_lateness(metadata)
    graded = grade_upload(Registry(course), list(config.exercises), root / "submission")
    submitted, student = read_submitter(metadata)
    policy = load_course(course_file(course))
    grades = [
        grade_exercise(
            policy, student, r.exercise, r.score, r.max_score, Lateness(submitted_at=submitted)
        )
        for r in graded.results
    ]
    results = gradescope_results(
        graded,
        hidden_visibility=config.hidden_visibility,
        late=late,
        extra_notes=[late_note] if late_note else [],
        exercise_versions=config.exercise_versions,
        grades=grades,
    )
    target = root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def read_lateness(path: Path) -> tuple[bool | None, str]:
    """Whether Gradescope's metadata says the submission came after the due date.

    `created_at` against `assignment.due_date` (ISO 8601 with an offset). Unreadable or absent
    metadata is None (unknown), with a note, never a guess.
    """
    if not path.is_file():
        return None, ""
    try:
        data = json.loads(path.read_text("utf-8"))
        created = datetime.fromisoformat(str(data["created_at"]))
        due = datetime.fromisoformat(str(data["assignment"]["due_date"]))
        late = created > due
    except (OSError, ValueError, KeyError, TypeError):
        return None, "the submission's metadata could not be read, so lateness is unknown"
    return late, f"submitted {created.isoformat()}, due {due.isoformat()}" if late else ""


def read_submitter(path: Path) -> tuple[datetime | None, str]:
    """When the submission was made, and by whom (the first user's email), from the metadata;
    (None, "") where it cannot be read: then no late penalty is charged."""
    try:
        data = json.loads(path.read_text("utf-8"))
        created = datetime.fromisoformat(str(data["created_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None, ""
    users = data.get("users")  # data is a dict: data["created_at"] above was read from it
    first = users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else {}
    email = first.get("email")
    return (created if created.tzinfo is not None else None), (
        email if isinstance(email, str) else ""
    )


def gradescope_results(
    graded: GradedUpload,
    *,
    hidden_visibility: Visibility = "after_published",
    late: bool | None = None,
    extra_notes: list[str] | None = None,
    exercise_versions: dict[str, str] | None = None,
    grades: list[ExerciseGrade] | None = None,
) -> dict[str, Any]:
    """The upload's results in Gradescope's `results.json` form.

    Tests' `output` is the feedback students see everywhere (hidden checks redacted); what the
    submission printed is not shown (`stdout_visibility: hidden`): code under a hidden check
    could print the hidden inputs it was given.
    """
    isolation = graded.isolation
    grades = grades or []
    notes = [*(extra_notes or []), *(f"{g.exercise}: {g.policy}" for g in grades if g.policy)]
    score = sum(g.score for g in grades) if grades else graded.score
    return {
        "score": round(score, 4),
        "execution_time": graded.elapsed_s,
        "output": summary_markdown(graded, late, notes, score),
        "output_format": "md",
        "stdout_visibility": "hidden",
        "extra_data": {
            "grader_version": grader.__version__,
            "exercise_versions": exercise_versions or {},
            "isolation": {
                "engine": isolation.engine,
                "layers": isolation.layers,
                "degraded": isolation.degraded,
                "missing": isolation.missing,
            },
            "late": late,
            "raw_score": round(graded.score, 4),
            "policy": {g.exercise: g.policy for g in grades if g.policy},
        },
        "tests": [
            gradescope_test(result, check, f"{i}.{j}", hidden_visibility)
            for i, result in enumerate(graded.results, start=1)
            for j, check in enumerate(result.checks, start=1)
        ],
    }


def summary_markdown(
    graded: GradedUpload, late: bool | None, notes: list[str], score: float | None = None
) -> str:
    """The top-of-page summary: a table of exercises, then notes (escaped: they name files).
    `score` is the total after the course's late policy, where it took something."""
    lines = ["| exercise | score |", "|---|---|"]
    for result in graded.results:
        lines.append(f"| {result.exercise} | {number(result.score)} / {number(result.max_score)} |")
    lines.append(f"| **total** | **{number(graded.score)} / {number(graded.max_score)}** |")
    if score is not None and score != graded.score:
        lines.append(
            f"| **after the late policy** | **{number(score)} / {number(graded.max_score)}** |"
        )
    if late:
        lines += ["", "This submission was late."]
    shown = [*graded.notes, *notes]
    if graded.isolation.degraded:
        shown.append("degraded isolation: missing " + ", ".join(graded.isolation.missing))
    if shown:
        lines += ["", *(f"- {markdown_text(note)}" for note in shown)]
    return "\n".join(lines)


def markdown_text(text: str) -> str:
    """Text shown literally in Markdown: one line, every markup character escaped."""
    flat = " ".join(text.split())
    return "".join(f"\\{c}" if c in "\\`*_{}[]()<>#+-.!|~" else c for c in flat)[:500]


def autograder_root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)


def lay_out(zip_path: Path, root: Path) -> None:
    """Lay a zip out as Gradescope does (contents in `root/source`, the runner in `root`):
    for trying an autograder locally, and for the tests."""
    source = root / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(source)
    for name in ("setup.sh", "run_autograder"):
        (source / name).chmod(0o755)
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
