"""exercise11 (the training loop): the fixture curve is the reference's, and the public
evaluation set tells the overall accuracy from the mean of batch accuracies. The reference,
alternatives, stub and mutants, graded in real sandboxes, are tests/test_course.py's."""

from __future__ import annotations

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


def reference_curve(exercise: Exercise, extra_passes: int) -> list[float]:
    """The reference's 3 epochs on the shuffled hidden set-up, with `extra_passes` iterations
    over train_loader after each epoch (an accuracy computed on the training data)."""
    setup = exercise.probes.build("hidden", "cpu")  # type: ignore[union-attr]
    losses = []
    torch.manual_seed(0)
    for _ in range(3):
        losses += exercise.reference.train(
            setup.model, setup.optimizer, setup.loss_fn, setup.train_loader, 1
        )
        for _ in range(extra_passes):
            with torch.no_grad():
                for features, _targets in setup.train_loader:
                    setup.model(features)
    return losses


def test_extra_passes_over_the_shuffled_loader_leave_the_curve_unchanged(
    exercise: Exercise,
) -> None:
    plain = reference_curve(exercise, 0)
    assert reference_curve(exercise, 1) == plain
    assert reference_curve(exercise, 2) == plain


def test_the_shuffled_loader_still_reshuffles_each_epoch(exercise: Exercise) -> None:
    setup = exercise.probes.build("hidden", "cpu")  # type: ignore[union-attr]
    first = torch.cat([y for _, y in setup.train_loader])
    assert torch.equal(first, torch.cat([y for _, y in setup.train_loader]))  # no step: same
    exercise.reference.train(setup.model, setup.optimizer, setup.loss_fn, setup.train_loader, 1)
    assert not torch.equal(first, torch.cat([y for _, y in setup.train_loader]))


def test_evaluation_passes_inside_train_are_not_training_passes(exercise: Exercise) -> None:
    """Slide 35's loop: eval() + no_grad() over train_loader after every epoch."""
    checks = exercise.module("checks")
    path = harness.ROOT / "reference/exercise11/alternatives/slide35_accuracy_each_epoch.py"
    report = harness.InProcess(exercise, path).probe("train_report", "dropout", 2, None, True)
    assert len(report["training"]) == 12  # 6 training passes, 6 evaluation passes
    assert checks.training_passes(report) == [True] * 6
    mutant = harness.ROOT / "reference/exercise11/mutants/train_mode_set_once.py"
    report = harness.InProcess(exercise, mutant).probe("train_report", "dropout", 2, None, True)
    assert checks.training_passes(report) == [True] * 3 + [False] * 3
