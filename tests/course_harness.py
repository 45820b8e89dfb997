"""Helpers shared by the course tests (tests/test_course.py and tests/test_course_<id>.py).

`grade_course_files` grades every course file of an exercise (reference, stub, alternatives,
mutants) once in real sandboxes: tests/test_course.py asserts on those results for every
exercise of the registry. `InProcess` is a stand-in for the sandbox for trusted staff files, run
in this process, whose answers still make the protocol's round trip: the per-exercise tests use
it to drive probes directly.

The fixtures here are module-scoped and read the exercise id from the test module's `EXERCISE`;
a test module takes the ones it needs by binding them to module names, e.g.
`exercise, checks = harness.exercise, harness.checks`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from grader.judge.registry import Exercise, Registry, load_module
from grader.judge.sandbox import Engine
from grader.judge.scoring import Source, run_exercise
from grader.judge.spares import Spares
from grader.outputs.models import ExerciseResult
from grader.wire.protocol import Unencodable, decode, encode

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def exercise(registry: Registry, request: pytest.FixtureRequest) -> Exercise:
    """The exercise named by the requesting test module's `EXERCISE`."""
    return registry.get(request.module.EXERCISE)


@pytest.fixture(scope="module")
def checks(exercise: Exercise) -> ModuleType:
    return exercise.module("checks")


@pytest.fixture(scope="module")
def probes(exercise: Exercise) -> ModuleType:
    assert exercise.probes is not None
    return exercise.probes


def grade_course_files(engine: Engine, exercise: Exercise) -> dict[str, ExerciseResult]:
    """Every course file of the exercise graded once in real sandboxes (hidden checks included),
    by file stem; each under the name a student's file has, as `grade validate` grades it."""
    assert exercise.solution is not None and exercise.reference_folder is not None
    paths = [exercise.solution, exercise.stub]
    paths += sorted((exercise.reference_folder / "alternatives").glob("*.py"))
    paths += [mutant.path for mutant in exercise.mutants]
    spares = Spares()  # the next file's sandbox starts while one is graded
    try:
        return {
            path.stem: run_exercise(
                engine, exercise, Source(path.read_bytes(), f"{exercise.id}.py"), spares=spares
            )
            for path in paths
        }
    finally:
        spares.close()


def hidden_checks(exercise: Exercise) -> ModuleType:
    """The exercise's hidden checks module (staff code, imported here directly)."""
    assert exercise.hidden_checks_path is not None
    return load_module(exercise.hidden_checks_path, f"grader_course.{exercise.id}.hidden_checks")


def staff(exercise: Exercise, relative: str) -> ModuleType:
    """A staff file under the exercise's reference folder, e.g. `mutants/sign_flipped.py`."""
    assert exercise.reference_folder is not None
    path = exercise.reference_folder / relative
    return load_module(path, f"course_test.{exercise.id}.{relative.replace('/', '.')[:-3]}")


def reference_files(exercise_id: str, kind: str) -> list[Path]:
    """The staff files of one kind (`alternatives`, `mutants`), for parametrizing at collection."""
    return sorted((ROOT / "reference" / exercise_id / kind).glob("*.py"))


class Outcome(Exception):
    """What the sandbox would have answered instead of a value."""

    def __init__(self, verdict: str, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict


class InProcess:
    """Stands in for grader.judge.scoring.SandboxedSubmission: runs a trusted course file in this
    process, on `device`. Answers still make the protocol's round trip; the sandboxed path is
    tests/test_course.py's and `grade validate`'s."""

    def __init__(self, exercise: Exercise, path: Path, device: str = "cpu") -> None:
        self.exercise = exercise
        self.device = device
        name = f"course_test.{device}.{exercise.id}.{path.parent.name}.{path.stem}"
        self.module = load_module(path, name)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self._answer(lambda: getattr(self.module, name)(*args, **kwargs))

    def probe(self, name: str, *args: Any, **kwargs: Any) -> Any:
        probes = self.exercise.probes
        assert probes is not None
        return self._answer(
            lambda: getattr(probes, name)(self.module, self.device, *args, **kwargs)
        )

    def _answer(self, run: Callable[[], Any]) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = run()
        except NotImplementedError as exc:
            raise Outcome("not_attempted", str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - a student error becomes the verdict `error`
            raise Outcome("error", f"{type(exc).__name__}: {exc}") from None
        try:
            return decode(encode(value))
        except Unencodable as exc:
            raise Outcome("invalid", str(exc)) from None
