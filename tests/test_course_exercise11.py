"""exercise11 (the training loop): the fixture curve is the reference's, and the checks separate
the reference and the correct alternatives from the stub and every mutant.

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
import torch

from grader.check import CheckFailure, InvalidAnswer
from grader.protocol import Unencodable, decode, encode
from grader.registry import Exercise, Registry, load_module

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = "exercise11"


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


def test_fixture_curve_is_the_references(exercise: Exercise) -> None:
    setup = exercise.probes.build("blobs", "cpu")  # type: ignore[union-attr]
    torch.manual_seed(0)
    losses = exercise.reference.train(setup.model, setup.optimizer, setup.loss_fn,
                                      setup.train_loader, 4)
    expected = exercise.module("checks").BLOBS_LOSSES
    assert losses == pytest.approx(expected, rel=1e-6)


def test_public_eval_set_separates_mean_of_batch_accuracies(exercise: Exercise) -> None:
    checks = exercise.module("checks")
    sub = InProcess(exercise, exercise.stub)
    overall, per_batch = checks.expected_accuracy(sub, "blobs")
    assert overall == 0.5
    assert abs(sum(per_batch) / len(per_batch) - overall) > 1e-3


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
        ("no_zero_grad", "each_step_uses_fresh_gradients", "accumulated_gradients"),
        ("no_zero_grad", "trains_like_the_reference", "accumulated_gradients"),
        ("zero_grad_before_step", "each_step_uses_fresh_gradients", "zero_grad_before_step"),
        ("epoch_sum", "epoch_loss_is_mean_of_batch_losses", "sum_not_mean"),
        ("no_train_mode", "train_mode_during_training", "eval_mode_in_training"),
        ("evaluate_without_eval", "evaluate_in_eval_mode", "train_mode_in_eval"),
        ("evaluate_without_no_grad", "evaluate_builds_no_graph", "graph_in_eval"),
        ("accuracy_in_percent", "evaluate_returns_accuracy", "percent"),
        ("mean_of_batch_accuracies", "evaluate_returns_accuracy", "mean_of_batch_accuracies"),
    ],
)
def test_mutants_are_explained(exercise: Exercise, mutant: str, check_name: str, code: str) -> None:
    path = ROOT / "reference" / EXERCISE / "mutants" / f"{mutant}.py"
    assert grade(exercise, path, (check_name,))[check_name] == ("failed", code)


def test_losses_as_tensors_are_invalid_not_failed(exercise: Exercise) -> None:
    path = ROOT / "reference" / EXERCISE / "mutants" / "losses_as_tensors.py"
    results = grade(exercise, path, ("trains_like_the_reference",))
    assert results["trains_like_the_reference"] == ("invalid", "")
