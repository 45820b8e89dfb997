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
