"""exercise10 (ADALINE three ways): the split, the fixture curve and the reference's weights
match the lecture's notebook. The reference, alternatives, stub and mutants, graded in real
sandboxes, are tests/test_course.py's."""

from __future__ import annotations

import course_harness as harness
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


def test_a_noisy_curve_that_ends_higher_is_not_gradient_ascent(exercise: Exercise) -> None:
    checks = exercise.module("checks")
    noisy = torch.tensor(
        [0.33, 0.50, 0.32, 0.07, 0.13, 0.12, 0.15, 0.22, 0.45], dtype=torch.float64
    )
    diagnosis = checks.explain_curve(noisy, "sgd")
    assert diagnosis is None or diagnosis.code != "gradient_ascent"
    rising = torch.tensor([0.49, 0.52, 0.58, 0.55, 0.71, 0.93], dtype=torch.float64)
    assert checks.explain_curve(rising, "sgd").code == "gradient_ascent"
    blown_up = torch.tensor([0.49, 3.0, float("inf")], dtype=torch.float64)
    assert checks.explain_curve(blown_up, "sgd").code == "gradient_ascent"


def test_logged_curves_fingerprint_the_lecture_run(exercise: Exercise) -> None:
    """The judge-side fingerprints follow the reference's shuffles: the reference's own curve
    is neither, and a curve of the last minibatch losses is named as such."""
    checks = exercise.module("checks")
    split = checks.load_split(harness.InProcess(exercise, exercise.stub))
    settings = checks.LECTURE
    reference = torch.tensor(checks.NOTEBOOK_MSE, dtype=torch.float64)
    assert checks.explain_logging(reference, split.x_train, split.y_train, settings) is None
    last = checks.logged_curves(split.x_train, split.y_train, settings)["last"]
    found = checks.explain_logging(
        torch.tensor(last, dtype=torch.float64), split.x_train, split.y_train, settings
    )
    assert found is not None and found.code == "last_minibatch_loss"
