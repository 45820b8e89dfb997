"""exercise9 (losses on logits): docs/course.md's cheatsheet numbers, the wrong ways to get them,
and the diagnosis each wrong way earns.

Staff files run here in this process; the sandboxed path of the same checks is exercised by
`grade validate exercise9`.
"""

from __future__ import annotations

from types import ModuleType

import course_harness as harness
import pytest
import torch
import torch.nn.functional as F

from grader.judge.registry import Exercise

EXERCISE = "exercise9"
exercise, checks = harness.exercise, harness.checks


def test_cheatsheet_numbers(checks: ModuleType) -> None:
    z, y = checks.lecture_batch()
    per_example = F.cross_entropy(z, y, reduction="none")
    assert per_example.tolist() == pytest.approx([0.9698, 0.8801, 1.0527, 0.8314], abs=5e-5)
    assert F.cross_entropy(z, y).item() == pytest.approx(0.933505, abs=5e-7)
    assert F.cross_entropy(z, y, reduction="sum").item() == pytest.approx(3.734019, abs=5e-6)
    assert F.cross_entropy(z.softmax(1), y).item() == pytest.approx(1.0395, abs=5e-5)
    assert F.nll_loss(z.softmax(1), y).item() == pytest.approx(-0.3946, abs=5e-5)
    assert F.cross_entropy(z.log_softmax(1), y).item() == pytest.approx(0.933505, abs=5e-7)


@pytest.mark.parametrize(
    "name", ["solution.py", "alternatives/log_softmax_twice.py", "alternatives/logsumexp.py"]
)
def test_correct_solutions_agree(exercise: Exercise, checks: ModuleType, name: str) -> None:
    module = harness.staff(exercise, name)
    z, y = checks.lecture_batch()
    for reduction in ("none", "mean", "sum"):
        torch.testing.assert_close(
            module.multiclass_loss(z, y, reduction), F.cross_entropy(z, y, reduction=reduction)
        )
    big = torch.tensor([50.0, -50.0, 50.0, -50.0])
    assert module.binary_loss(big, torch.tensor([0.0, 1.0, 1.0, 0.0])).item() == pytest.approx(25.0)


@pytest.mark.parametrize(
    "mutant,code",
    [
        ("softmax_then_cross_entropy", "loss_on_probabilities"),
        ("nll_on_probabilities", "loss_on_probabilities"),
        ("sum_for_mean", "sum_vs_mean"),
    ],
)
def test_wrong_mean_loss_is_named(
    exercise: Exercise, checks: ModuleType, mutant: str, code: str
) -> None:
    z, y = checks.lecture_batch()
    got = harness.staff(exercise, f"mutants/{mutant}.py").multiclass_loss(z, y)
    diagnosis = checks.explain_multiclass(got, z, y, F.cross_entropy(z, y))
    assert diagnosis is not None and diagnosis.code == code


def test_log_of_softmax_overflow_is_named(exercise: Exercise, checks: ModuleType) -> None:
    z = torch.tensor([[100.0, -100.0, 0.0], [3.0, 1.0, -2.0]])
    y = torch.tensor([1, 0])
    got = harness.staff(exercise, "mutants/log_of_softmax.py").multiclass_loss(z, y)
    assert not torch.isfinite(got)
    assert checks.explain_multiclass(got, z, y, F.cross_entropy(z, y)).code == "log_of_softmax"


@pytest.mark.parametrize("mutant", ["sigmoid_then_bce", "naive_binary"])
def test_binary_through_probabilities_is_named(
    exercise: Exercise, checks: ModuleType, mutant: str
) -> None:
    z, y = torch.tensor([50.0, -50.0, 50.0, -50.0]), torch.tensor([0.0, 1.0, 1.0, 0.0])
    got = harness.staff(exercise, f"mutants/{mutant}.py").binary_loss(z, y)
    assert checks.explain_binary(got, z, y).code == "loss_on_probabilities"


def test_gradient_of_a_loss_on_probabilities_is_named(checks: ModuleType) -> None:
    z, y = checks.lecture_batch()
    leaf = z.clone().requires_grad_(True)
    F.cross_entropy(leaf.softmax(1), y).backward()
    right = (z.softmax(1) - F.one_hot(y, 3)) / 4
    assert checks.explain_logits_gradient(leaf.grad, z, y, right).code == "loss_on_probabilities"
    assert checks.explain_logits_gradient(right * 4, z, y, right).code == "constant_factor"


def test_probe_reports_a_detached_loss(exercise: Exercise, checks: ModuleType) -> None:
    probes = exercise.probes
    assert probes is not None
    z, y = checks.lecture_batch()
    detached = probes.logits_gradient(
        harness.staff(exercise, "mutants/detached_loss.py"), "cpu", z, y, "mean"
    )
    connected = probes.logits_gradient(harness.staff(exercise, "solution.py"), "cpu", z, y, "mean")
    assert detached == {"connected": False, "type": "Tensor"}
    torch.testing.assert_close(connected["grad"], (z.softmax(1) - F.one_hot(y, 3)) / 4)
