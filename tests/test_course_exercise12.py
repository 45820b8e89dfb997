"""exercise12 (models and data on a device): the fixtures are the reference's step, and the
probe on the meta device tells a correct step from the stub (run in this process against an
in-process stand-in for the sandbox). The reference, alternatives, stub and mutants, graded in
real sandboxes, are tests/test_course.py's."""

from __future__ import annotations

import course_harness as harness
import pytest
import torch

from grader.authoring import CheckFailure, InvalidAnswer
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


def test_a_tensor_loss_costs_only_the_type_check(exercise: Exercise) -> None:
    """A 0-dim tensor returned instead of a float: its value is still compared everywhere, and
    only returns_loss_as_python_float charges the type."""
    checks = exercise.module("checks")
    mutant = harness.ROOT / "reference/exercise12/mutants/returns_tensor.py"
    report = harness.InProcess(exercise, mutant).probe("one_step", "regression")
    assert isinstance(report["result"], torch.Tensor)
    checks.expect_loss(report, checks.REGRESSION_LOSS, "one MSE step")  # the value is right
    with pytest.raises(CheckFailure, match="tensor, not a Python float"):
        checks.expect_python_float(report, "one MSE step")
    report["result"] = torch.tensor(0.5)
    with pytest.raises(CheckFailure, match="expected 0.357596"):
        checks.expect_loss(report, checks.REGRESSION_LOSS, "one MSE step")
    report["result"] = torch.tensor([1.0, 2.0])
    with pytest.raises(InvalidAnswer, match="should be a float"):
        checks.expect_loss(report, checks.REGRESSION_LOSS, "one MSE step")


def test_item_before_backward_on_meta_is_a_correct_step(exercise: Exercise) -> None:
    path = harness.ROOT / "reference/exercise12/alternatives/item_before_backward.py"
    report = harness.InProcess(exercise, path).probe("one_step", "regression", "meta")
    assert report["error"] is None and report["steps"] == 1
    assert report["param_devices"] == ["meta", "meta"]
