"""exercise12 (models and data on a device): the fixtures are the reference's, and the checks
separate the reference and the correct alternatives from the stub and every mutant.

The course files are staff code, so these tests run the checks in this process against an
in-process stand-in for the sandbox (answers still make the protocol's round trip); the real
sandboxed path is exercised by `grade validate exercise10`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.check import CheckFailure, InvalidAnswer
from grader.protocol import Unencodable, decode, encode
from grader.registry import Exercise, Registry, load_module

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = "exercise12"


class Outcome(Exception):
    """What the sandbox would have answered instead of a value."""

    def __init__(self, verdict: str, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict


class InProcess:
    """Stands in for grader.judge.Submission: runs a trusted course file in this process."""

    def __init__(self, exercise: Exercise, path: Path) -> None:
        self.exercise = exercise
        self.device = "cpu"
        self.module = load_module(path, f"course_test.{exercise.id}.{path.parent.name}.{path.stem}")

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self._answer(lambda: getattr(self.module, name)(*args, **kwargs))

    def probe(self, name: str, *args: Any, **kwargs: Any) -> Any:
        probes = self.exercise.probes
        assert probes is not None
        return self._answer(lambda: getattr(probes, name)(self.module, "cpu", *args, **kwargs))

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


@pytest.fixture(scope="module")
def exercise() -> Exercise:
    return Registry(ROOT).get(EXERCISE)


def reference_files(kind: str) -> list[Path]:
    return sorted((ROOT / "reference" / EXERCISE / kind).glob("*.py"))


def test_fixtures_are_the_references_step(exercise: Exercise) -> None:
    setup = exercise.probes.build("regression", "cpu")  # type: ignore[union-attr]
    loss = exercise.reference.train_step(setup.model, setup.optimizer, setup.loss,
                                         setup.features, setup.targets, "cpu")
    checks = exercise.module("checks")
    assert loss == pytest.approx(checks.REGRESSION_LOSS, rel=1e-6)
    weight, bias = (p.detach() for p in setup.model.parameters())
    assert weight.flatten().tolist() == pytest.approx(checks.REGRESSION_PARAMS[0], abs=1e-7)
    assert bias.tolist() == pytest.approx(checks.REGRESSION_PARAMS[1], abs=1e-7)


def test_a_correct_step_on_meta_only_fails_to_read_the_loss(exercise: Exercise) -> None:
    report = InProcess(exercise, exercise.solution).probe(  # type: ignore[arg-type]
        "one_step", "regression", "meta")
    assert report["steps"] == 1 and report["loss_inputs"] == [["meta", "meta"]]
    assert "cannot be called on meta tensors" in report["error"]


def test_the_stub_is_not_attempted_on_meta_too(exercise: Exercise) -> None:
    with pytest.raises(Outcome) as raised:
        InProcess(exercise, exercise.stub).probe("one_step", "regression", "meta")
    assert raised.value.verdict == "not_attempted"


def test_reference_earns_full_marks(exercise: Exercise) -> None:
    assert exercise.solution is not None
    results = grade(exercise, exercise.solution)
    assert {name: v for name, (v, _) in results.items() if v != "passed"} == {}


@pytest.mark.parametrize("path", reference_files("alternatives"), ids=lambda p: p.stem)
def test_correct_alternatives_earn_full_marks(exercise: Exercise, path: Path) -> None:
    results = grade(exercise, path)
    assert {name: v for name, (v, _) in results.items() if v != "passed"} == {}


def test_stub_is_not_attempted_everywhere(exercise: Exercise) -> None:
    results = grade(exercise, exercise.stub)
    assert {v for v, _ in results.values()} == {"not_attempted"}


@pytest.mark.parametrize("mutant", reference_files("mutants"), ids=lambda p: p.stem)
def test_each_mutant_fails_the_checks_it_names(exercise: Exercise, mutant: Path) -> None:
    header = next(m for m in exercise.mutants if m.path == mutant)
    results = grade(exercise, mutant, header.fails)
    assert set(header.fails) == set(results)
    assert [name for name in header.fails if results[name][0] == "passed"] == []


@pytest.mark.parametrize(
    ("mutant", "check_name", "code"),
    [
        ("targets_not_moved", "targets_moved_to_device", "targets_not_on_device"),
        ("targets_not_moved", "hidden_integer_targets_moved_to_device", "targets_not_on_device"),
        ("features_not_moved", "features_moved_to_device", "features_not_on_device"),
        ("returns_tensor", "returns_loss_as_python_float", "loss_as_tensor"),
        ("no_zero_grad", "clears_stale_gradients", "accumulated_gradients"),
        ("zero_grad_before_step", "one_step_updates_parameters", "zero_grad_before_step"),
    ],
)
def test_mutants_are_explained(exercise: Exercise, mutant: str, check_name: str, code: str) -> None:
    path = ROOT / "reference" / EXERCISE / "mutants" / f"{mutant}.py"
    assert grade(exercise, path, (check_name,))[check_name] == ("failed", code)
