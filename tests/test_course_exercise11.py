"""exercise11 (the training loop): the fixture curve is the reference's, and the checks separate
the reference and the correct alternatives from the stub and every mutant.

The course files are staff code, so these tests run the checks in this process against an
in-process stand-in for the sandbox (answers still make the protocol's round trip); the real
sandboxed path is exercised by `grade validate exercise11`.
"""

from __future__ import annotations

from pathlib import Path

import course_harness as harness
import pytest
import torch

from grader.judge.registry import Exercise

EXERCISE = "exercise11"
exercise = harness.exercise


def test_fixture_curve_is_the_references(exercise: Exercise) -> None:
    setup = exercise.probes.build("blobs", "cpu")  # type: ignore[union-attr]
    torch.manual_seed(0)
    losses = exercise.reference.train(
        setup.model, setup.optimizer, setup.loss_fn, setup.train_loader, 4
    )
    expected = exercise.module("checks").BLOBS_LOSSES
    assert losses == pytest.approx(expected, rel=1e-6)


def test_public_eval_set_separates_mean_of_batch_accuracies(exercise: Exercise) -> None:
    checks = exercise.module("checks")
    sub = harness.InProcess(exercise, exercise.stub)
    overall, per_batch = checks.expected_accuracy(sub, "blobs")
    assert overall == 0.5
    assert abs(sum(per_batch) / len(per_batch) - overall) > 1e-3


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
    harness.assert_mutant_explained(exercise, mutant, check_name, code)


def test_losses_as_tensors_are_invalid_not_failed(exercise: Exercise) -> None:
    path = harness.ROOT / "reference" / EXERCISE / "mutants" / "losses_as_tensors.py"
    results = harness.grade(exercise, path, ("trains_like_the_reference",))
    assert results["trains_like_the_reference"] == ("invalid", "")
