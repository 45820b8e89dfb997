"""One student's upload, graded: the files a platform hands over, matched to exercises.

Gradescope and PrairieLearn both give the grader a folder with whatever the student uploaded:
`exercise2.py`, a notebook, a zip, several exercises' files, or a single file under the
student's own name (`relu.py`) for a one-exercise assignment. The folder goes through the same
intake as a batch (`grader.staff.intake`), so notebooks, zips and their limits behave alike.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader.judge.registry import Exercise, Registry
from grader.judge.sandbox import Engine
from grader.judge.scoring import Source, judge_threads, run_exercise
from grader.outputs.models import CheckResult, ExerciseResult, Isolation
from grader.staff.intake import IntakeError, SourceFile, read_submissions
from grader.student.source import SOURCE_SUFFIXES, SourceError, read_source


@dataclass(frozen=True)
class GradedUpload:
    """The results for every exercise of the assignment, and what the intake had to say."""

    results: tuple[ExerciseResult, ...]
    notes: tuple[str, ...]
    elapsed_s: float
    found: tuple[str, ...] = ()  # the exercises a file was uploaded for

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)

    @property
    def isolation(self) -> Isolation:
        """The layers of the first run that started a sandbox (every run uses the same)."""
        for result in self.results:
            if result.isolation.layers:
                return result.isolation
        return Isolation()


def find_sources(
    upload: Path, exercises: list[Exercise]
) -> tuple[dict[str, SourceFile], list[str]]:
    """The upload's file for each exercise, and notes on what was ignored or missing."""
    notes: list[str] = []
    ids = [exercise.id for exercise in exercises]
    with tempfile.TemporaryDirectory(prefix="grade-upload-") as parent:
        try:  # links stay links, which intake refuses, as it refuses them in a batch
            shutil.copytree(upload, Path(parent) / "upload", symlinks=True)
            intake = read_submissions(Path(parent), ids)
        except (OSError, IntakeError) as exc:
            return {}, [str(exc)]
    found: dict[str, SourceFile] = {}
    for student in intake.students:
        notes.extend(student.notes)
        for source in student.files:
            found.setdefault(source.exercise, source)
    notes.extend(intake.warnings)
    if not found and len(ids) == 1:
        single = _single_source(upload)
        if single is not None:
            found[ids[0]] = single
            notes = [f"graded {single.origin} as {ids[0]} (the only source file uploaded)"]
    for exercise_id in ids:
        if exercise_id not in found:
            notes.append(f"no file for {exercise_id} was uploaded ({exercise_id}.py or .ipynb)")
    return found, notes


def _single_source(upload: Path) -> SourceFile | None:
    """A one-exercise assignment's only .py or .ipynb file, under any name."""
    files = [
        path
        for path in sorted(upload.rglob("*"))
        if path.is_file() and path.suffix.lower() in SOURCE_SUFFIXES and not path.is_symlink()
    ]
    if len(files) != 1:
        return None
    try:  # the student command's reading: a .py as it is, a notebook's code cells joined
        read = read_source(files[0])
    except SourceError:
        return None
    return SourceFile(exercise="", origin=files[0].name, data=read.source.data, notes=read.notes)


def grade_upload(
    registry: Registry,
    exercise_ids: list[str],
    upload: Path,
    *,
    engine: Engine | None = None,
    device: str = "cpu",
) -> GradedUpload:
    """Grade every exercise of the assignment on what the student uploaded."""
    started = time.monotonic()
    exercises = [registry.get(exercise_id) for exercise_id in exercise_ids]
    sources, notes = find_sources(upload, exercises)
    engine = engine or Engine("forkserver")
    judge_threads()
    results: list[ExerciseResult] = []
    for exercise in exercises:
        source = sources.get(exercise.id)
        if source is None:
            results.append(missing_result(exercise))
            continue
        notes.extend(source.notes)
        results.append(
            run_exercise(
                engine,
                exercise,
                Source(source.data, f"{exercise.id}.py"),
                device=device,
                include_hidden=exercise.hidden_checks_path is not None,
            )
        )
    elapsed = round(time.monotonic() - started, 3)
    return GradedUpload(tuple(results), tuple(notes), elapsed, tuple(sorted(sources)))


def missing_result(exercise: Exercise) -> ExerciseResult:
    """Every check `not_attempted`: nothing was uploaded for this exercise."""
    checks = [
        CheckResult(
            name=spec.name,
            title=spec.title,
            status="not_attempted",
            score=0.0,
            max_score=spec.points,
            hidden=spec.hidden,
            feedback=f"no file for {exercise.id} was uploaded",
        )
        for spec in exercise.checks(exercise.hidden_checks_path is not None)
    ]
    return ExerciseResult(
        exercise=exercise.id,
        score=0.0,
        max_score=sum(c.max_score for c in checks),
        checks=checks,
    )
