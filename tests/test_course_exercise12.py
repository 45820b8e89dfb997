"""exercise12 (models and data on a device): the fixtures are the reference's, and the checks
separate the reference and the correct alternatives from the stub and every mutant.

The course files are staff code, so these tests run the checks in this process against an
in-process stand-in for the sandbox (answers still make the protocol's round trip); the real
sandboxed path is exercised by `grade validate exercise12`.
"""

from __future__ import annotations

from pathlib import Path

import course_harness as harness
import pytest
import torch

from grader.judge.registry import Exercise

EXERCISE = "exercise12"
exercise = harness.exercise


def test_fixtures_are_the_references_step(exercise: Exercise) -> None:
    setup = exercise.probes.build("regression", "cpu")  # type: ignore[union-attr]
    loss = exercise.reference.train_step(
        setup.model, setup.optimizer, setup.loss, setup.features, setup.targets, "cpu"
    )
    checks = exercise.module("checks")
    assert loss == pytest.approx(checks.REGRESSION_LOSS, rel=1e-6)
    weight, bias = (p.detach() for p in setup.model.parameters())
    assert weight.flatten().tolist() == pytest.approx(checks.REGRESSION_PARAMS[0], abs=1e-7)
    assert bias.tolist() == pytest.approx(checks.REGRESSION_PARAMS[1], abs=1e-7)


def test_a_correct_step_on_meta_raises_nothing(exercise: Exercise) -> None:
    """Reading the meta loss as a number gives a placeholder in the probe, so no error needs to
    be excused by its message (and torch raises again once the probe is over)."""
    report = harness.InProcess(exercise, exercise.solution).probe(  # type: ignore[arg-type]
        "one_step", "regression", "meta"
    )
    assert report["steps"] == 1 and report["loss_inputs"] == [["meta", "meta"]]
    assert report["error"] is None and report["result_type"] == "float"
    with pytest.raises(RuntimeError, match="meta"):
        torch.zeros((), device="meta").item()


def test_the_stub_is_not_attempted_on_meta_too(exercise: Exercise) -> None:
    with pytest.raises(harness.Outcome) as raised:
        harness.InProcess(exercise, exercise.stub).probe("one_step", "regression", "meta")
    assert raised.value.verdict == "not_attempted"


def test_reference_earns_full_marks(exercise: Exercise) -> None:
    assert exercise.solution is not None
    harness.assert_all_passed(exercise, exercise.solution)


@pytest.mark.parametrize(
    "path", harness.reference_files(EXERCISE, "alternatives"), ids=lambda p: p.stem
)
def test_correct_alternatives_earn_full_marks(exercise: Exercise, path: Path) -> None:
    harness.assert_all_passed(exercise, path)


def test_stub_is_not_attempted_everywhere(exercise: Exercise) -> None:
    harness.assert_stub_not_attempted(exercise)


@pytest.mark.parametrize(
    "mutant", harness.reference_files(EXERCISE, "mutants"), ids=lambda p: p.stem
)
def test_each_mutant_fails_the_checks_it_names(exercise: Exercise, mutant: Path) -> None:
    harness.assert_mutant_fails_the_checks_it_names(exercise, mutant)


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
    harness.assert_mutant_explained(exercise, mutant, check_name, code)
