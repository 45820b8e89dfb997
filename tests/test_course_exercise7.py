"""exercise7 (MultilayerPerceptron): the probes report what the checks need, the judge's
recomputation of the logits matches correct models, and each mistake is named.

Probes and mutants are staff files, run here in this process; the sandboxed path of the same
checks is exercised by `grade validate exercise7`.
"""

from __future__ import annotations

from types import ModuleType

import course_harness as harness
import pytest
import torch

from grader.judge.registry import Exercise

EXERCISE = "exercise7"
SIZES = (4, 6, 5, 3)
exercise, checks = harness.exercise, harness.checks


def forward(
    exercise: Exercise, relative: str, x: torch.Tensor, weights: list[torch.Tensor]
) -> dict[str, object]:
    probes = exercise.probes
    assert probes is not None
    report: dict[str, object] = probes.forward(
        harness.staff(exercise, relative), "cpu", list(SIZES), 1, weights, x
    )
    return report


def test_parameter_count_of_the_public_sizes(checks: ModuleType) -> None:
    assert checks.parameter_count(SIZES) == 83
    assert checks.parameter_count((7, 9, 8, 4)) == 188


@pytest.mark.parametrize(
    "name", ["solution.py", "alternatives/sequential_inside.py", "alternatives/module_list.py"]
)
def test_the_judges_weights_are_loaded_and_decide_the_logits(
    exercise: Exercise, checks: ModuleType, name: str
) -> None:
    x, weights = checks.inputs(3, 8, SIZES[0]), checks.judge_weights(SIZES, 3)
    report = forward(exercise, name, x, weights)
    assert (report["registered"], report["loaded"]) == (6, 6)
    logits, probas = report["output"]
    torch.testing.assert_close(logits, checks.layer_logits(weights, x))
    torch.testing.assert_close(probas, torch.softmax(checks.layer_logits(weights, x), dim=1))
    # other weights, other logits: the answer follows the judge's weights, not the seed's
    other = checks.judge_weights(SIZES, 4)
    assert not torch.allclose(forward(exercise, name, x, other)["output"][0], logits)


def test_plain_list_registers_nothing(exercise: Exercise, checks: ModuleType) -> None:
    x, weights = checks.inputs(3, 2, SIZES[0]), checks.judge_weights(SIZES, 3)
    report = forward(exercise, "mutants/plain_list.py", x, weights)
    assert (report["registered"], report["loaded"]) == (0, 0)
    assert not torch.allclose(report["output"][0], checks.layer_logits(weights, x))


@pytest.mark.parametrize(
    "mutant,code",
    [("log_softmax_probas", "log_probabilities"), ("softmax_dim0", "softmax_wrong_dim")],
)
def test_wrong_probas_are_named(
    exercise: Exercise, checks: ModuleType, mutant: str, code: str
) -> None:
    x, weights = checks.inputs(4, 8, SIZES[0]), checks.judge_weights(SIZES, 4)
    _, probas = forward(exercise, f"mutants/{mutant}.py", x, weights)["output"]
    diagnosis = checks.explain_probas(probas, checks.layer_logits(weights, x))
    assert diagnosis is not None and diagnosis.code == code


@pytest.mark.parametrize(
    "mutant,code", [("softmax_logits", "logits_normalised"), ("no_relu", "wrong_activation")]
)
def test_wrong_logits_are_named(
    exercise: Exercise, checks: ModuleType, mutant: str, code: str
) -> None:
    x, weights = checks.inputs(3, 8, SIZES[0]), checks.judge_weights(SIZES, 3)
    report = forward(exercise, f"mutants/{mutant}.py", x, weights)
    diagnosis = checks.explain_logits(report["output"][0], weights, x)
    assert diagnosis is not None and diagnosis.code == code


def test_single_rows_probe_exposes_softmax_over_the_batch(
    exercise: Exercise, checks: ModuleType
) -> None:
    probes = exercise.probes
    assert probes is not None
    x, weights = checks.inputs(5, 6, SIZES[0]), checks.judge_weights(SIZES, 5)
    sizes = list(SIZES)
    right = probes.single_rows(harness.staff(exercise, "solution.py"), "cpu", sizes, 1, weights, x)
    wrong = probes.single_rows(
        harness.staff(exercise, "mutants/softmax_dim0.py"), "cpu", sizes, 1, weights, x
    )
    expected = torch.softmax(checks.layer_logits(weights, x), dim=1)
    torch.testing.assert_close(right["batch"][1], expected)
    torch.testing.assert_close(torch.cat([p for _, p in right["rows"]]), expected)
    assert torch.cat([p for _, p in wrong["rows"]]).eq(1).all()


def test_unpack_rejects_a_single_tensor(checks: ModuleType) -> None:
    from grader.authoring.check import InvalidAnswer

    with pytest.raises(InvalidAnswer):
        checks.unpack(torch.zeros(2, 3), 2, 3)
