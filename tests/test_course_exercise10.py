"""exercise10 (ADALINE three ways): fixtures match the lecture, and the checks separate the
reference and the correct alternatives from the stub and every mutant.

The course files are staff code, so these tests run the checks in this process against an
in-process stand-in for the sandbox (answers still make the protocol's round trip); the real
sandboxed path is exercised by `grade validate exercise10`.
"""

from __future__ import annotations

from pathlib import Path

import course_harness as harness
import pytest
import torch

from grader.judge.registry import Exercise

EXERCISE = "exercise10"
exercise = harness.exercise


def test_split_and_zero_init_gradient_match_the_lecture(exercise: Exercise) -> None:
    split = exercise.probes.load_iris(exercise.folder / "iris.data")  # type: ignore[union-attr]
    assert split.x_train.shape == (70, 2) and split.x_test.shape == (30, 2)
    assert torch.allclose(split.x_train.mean(0), torch.zeros(2), atol=1e-6)
    checks = exercise.module("checks")
    yhat = torch.zeros(70)
    loss = torch.mean((split.y_train - yhat) ** 2).item()
    neg_w, neg_b = checks.negative_gradient(split.x_train, yhat, split.y_train)
    assert round(loss, 6) == 0.485714
    assert [round(v, 4) for v in neg_w.flatten().tolist()] == [0.2426, 0.7682]
    assert round(neg_b.item(), 4) == 0.9714


def test_fixture_curve_rounds_to_the_notebook(exercise: Exercise) -> None:
    printed = [0.38849, 0.31679, 0.26379, 0.22463, 0.19527]
    checks = exercise.module("checks")
    assert [round(v, 5) for v in checks.NOTEBOOK_MSE[:5]] == printed
    assert [round(v, 5) for v in checks.NOTEBOOK_MSE[-2:]] == [0.10105, 0.10025]


def test_reference_trains_to_the_notebook_weights(exercise: Exercise) -> None:
    split = exercise.probes.load_iris(exercise.folder / "iris.data")  # type: ignore[union-attr]
    reference = exercise.reference
    model = reference.Adaline1(2)
    reference.train_manual(model, split.x_train, split.y_train, 20)
    assert [round(v, 4) for v in model.weight.flatten().tolist()] == [-0.0189, 0.3642]
    assert round(model.bias.item(), 4) == 0.4580
    accuracy = ((model.forward(split.x_test) > 0.5).float() == split.y_test).float().mean()
    assert round(accuracy.item() * 100, 2) == 93.33


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
        ("backward_returns_gradient", "manual_backward_matches_autograd", "sign_flipped"),
        ("backward_drops_factor_two", "manual_backward_matches_autograd", "constant_factor"),
        ("backward_drops_factor_two", "train_manual_reproduces_notebook", "constant_factor"),
        ("backward_sums_over_batch", "train_manual_reproduces_notebook", "sum_not_mean"),
        ("sgd_without_zero_grad", "train_sgd_reproduces_notebook", "accumulated_gradients"),
        ("autograd_adds_gradient", "train_autograd_reproduces_notebook", "gradient_ascent"),
        (
            "autograd_out_of_place_update",
            "train_autograd_keeps_leaf_parameters",
            "non_leaf_parameters",
        ),
        ("forward_keeps_column", "forward_returns_one_value_per_row", "column_predictions"),
        ("adaline3_random_init", "models_start_at_zero", "random_init"),
    ],
)
def test_mutants_are_explained(exercise: Exercise, mutant: str, check_name: str, code: str) -> None:
    harness.assert_mutant_explained(exercise, mutant, check_name, code)
