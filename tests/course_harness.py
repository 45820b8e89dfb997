"""Helpers shared by the course tests (tests/test_course_*.py).

Two ways to grade a course file appear there. The sandboxed way (`graded`) runs every course
file of an exercise once through a real engine. The in-process way (`grade`) runs a trusted
course file's checks in this process against `InProcess`, a stand-in for the sandbox whose
answers still make the protocol's round trip.

The fixtures here are module-scoped and read the exercise id from the test module's `EXERCISE`;
a test module takes the ones it needs by binding them to module names, e.g.
`exercise, checks = harness.exercise, harness.checks`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from grader.authoring.check import CheckFailure, InvalidAnswer
from grader.judge.registry import Exercise, Registry, load_module
from grader.judge.sandbox import Engine
from grader.judge.scoring import Source, run_exercise
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


@pytest.fixture(scope="module")
def graded(engine: Engine, exercise: Exercise) -> dict[str, ExerciseResult]:
    """Every course file of the exercise, graded once in the sandbox, by file stem."""
    assert exercise.solution is not None and exercise.reference_folder is not None
    paths = [exercise.solution, exercise.stub]
    paths += sorted((exercise.reference_folder / "alternatives").glob("*.py"))
    paths += [mutant.path for mutant in exercise.mutants]
    return {p.stem: run_exercise(engine, exercise, Source(p.read_bytes(), p.name)) for p in paths}


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


def statuses(result: ExerciseResult) -> dict[str, str]:
    return {check.name: check.status for check in result.checks}


def assert_full_marks(graded: dict[str, ExerciseResult], stems: Iterable[str], points: int) -> None:
    for stem in stems:
        result = graded[stem]
        assert result.score == result.max_score == points, (stem, statuses(result))


def assert_not_attempted_everywhere(result: ExerciseResult) -> None:
    assert set(statuses(result).values()) == {"not_attempted"}


def assert_mutants_fail_the_checks_they_name(
    exercise: Exercise, graded: dict[str, ExerciseResult]
) -> None:
    for mutant in exercise.mutants:
        result = graded[mutant.path.stem]
        assert result.score < result.max_score
        assert {statuses(result)[name] for name in mutant.fails} == {"failed"}, mutant.path.stem


def assert_explained(result: ExerciseResult, check_name: str, code: str) -> None:
    """The named check failed with this diagnosis code."""
    check = next(c for c in result.checks if c.name == check_name)
    assert check.status == "failed" and check.diagnosis is not None
    assert check.diagnosis.code == code


class Outcome(Exception):
    """What the sandbox would have answered instead of a value."""

    def __init__(self, verdict: str, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict


class InProcess:
    """Stands in for grader.judge.scoring.Submission: runs a trusted course file in this process, on
    `device`. Answers still make the protocol's round trip; the sandboxed path is `grade
    validate`'s."""

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


def grade(exercise: Exercise, path: Path, only: tuple[str, ...] = ()) -> dict[str, tuple[str, str]]:
    """Each check's (verdict, diagnosis code or '') for one course file (all, or `only` these)."""
    sub = InProcess(exercise, path)
    results: dict[str, tuple[str, str]] = {}
    for spec in exercise.checks():
        if only and spec.name not in only:
            continue
        try:
            spec.function(sub)  # type: ignore[arg-type]
            results[spec.name] = ("passed", "")
        except Outcome as outcome:
            results[spec.name] = (outcome.verdict, "")
        except CheckFailure as failure:
            code = failure.diagnosis.code if failure.diagnosis else ""
            results[spec.name] = ("failed", code)
        except AssertionError:
            results[spec.name] = ("failed", "")
        except InvalidAnswer:
            results[spec.name] = ("invalid", "")
    return results


def assert_all_passed(exercise: Exercise, path: Path) -> None:
    results = grade(exercise, path)
    assert {name: v for name, (v, _) in results.items() if v != "passed"} == {}


def assert_stub_not_attempted(exercise: Exercise) -> None:
    results = grade(exercise, exercise.stub)
    assert {v for v, _ in results.values()} == {"not_attempted"}


def assert_mutant_fails_the_checks_it_names(exercise: Exercise, mutant: Path) -> None:
    header = next(m for m in exercise.mutants if m.path == mutant)
    results = grade(exercise, mutant, header.fails)
    assert set(header.fails) == set(results)
    assert [name for name in header.fails if results[name][0] == "passed"] == []


def assert_mutant_explained(exercise: Exercise, mutant: str, check_name: str, code: str) -> None:
    """Graded in process, the mutant `mutant` fails `check_name` with this diagnosis code."""
    path = ROOT / "reference" / exercise.id / "mutants" / f"{mutant}.py"
    assert grade(exercise, path, (check_name,))[check_name] == ("failed", code)
