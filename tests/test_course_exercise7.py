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


def forward(exercise: Exercise, relative: str, x: torch.Tensor) -> dict[str, object]:
    probes = exercise.probes
    assert probes is not None
    report: dict[str, object] = probes.forward(
        harness.staff(exercise, relative), "cpu", list(SIZES), 1, x
    )
    return report


def test_parameter_count_of_the_public_sizes(checks: ModuleType) -> None:
    assert checks.parameter_count(SIZES) == 83
    assert checks.parameter_count((7, 9, 8, 4)) == 188


@pytest.mark.parametrize(
    "name", ["solution.py", "alternatives/sequential_inside.py", "alternatives/module_list.py"]
)
def test_logits_recomputed_from_registered_weights(
    exercise: Exercise, checks: ModuleType, name: str
) -> None:
    x = checks.inputs(3, 8, SIZES[0])
    report = forward(exercise, name, x)
    layers = checks.find_layers(report["parameters"], SIZES)
    assert layers is not None
    logits, probas = report["output"]
    torch.testing.assert_close(logits, checks.layer_logits(layers, x))
    torch.testing.assert_close(probas.sum(dim=1), torch.ones(8))


def test_plain_list_registers_nothing(exercise: Exercise, checks: ModuleType) -> None:
    report = forward(exercise, "mutants/plain_list.py", checks.inputs(3, 2, SIZES[0]))
    assert report["parameters"] == {}
    assert checks.find_layers(report["parameters"], SIZES) is None


@pytest.mark.parametrize(
    "mutant,code",
    [("log_softmax_probas", "log_probabilities"), ("softmax_dim0", "softmax_wrong_dim")],
)
def test_wrong_probas_are_named(
    exercise: Exercise, checks: ModuleType, mutant: str, code: str
) -> None:
    logits, probas = forward(exercise, f"mutants/{mutant}.py", checks.inputs(4, 8, SIZES[0]))[
        "output"
    ]
    diagnosis = checks.explain_probas(probas, logits)
    assert diagnosis is not None and diagnosis.code == code


@pytest.mark.parametrize(
    "mutant,code", [("softmax_logits", "logits_normalised"), ("no_relu", "wrong_activation")]
)
def test_wrong_logits_are_named(
    exercise: Exercise, checks: ModuleType, mutant: str, code: str
) -> None:
    x = checks.inputs(3, 8, SIZES[0])
    report = forward(exercise, f"mutants/{mutant}.py", x)
    layers = checks.find_layers(report["parameters"], SIZES)
    diagnosis = checks.explain_logits(report["output"][0], layers, x)
    assert diagnosis is not None and diagnosis.code == code


def test_single_rows_probe_exposes_softmax_over_the_batch(
    exercise: Exercise, checks: ModuleType
) -> None:
    probes = exercise.probes
    assert probes is not None
    x = checks.inputs(5, 6, SIZES[0])
    right = probes.single_rows(harness.staff(exercise, "solution.py"), "cpu", list(SIZES), 1, x)
    wrong = probes.single_rows(
        harness.staff(exercise, "mutants/softmax_dim0.py"), "cpu", list(SIZES), 1, x
    )
    torch.testing.assert_close(torch.cat([p for _, p in right["rows"]]), right["batch"][1])
    assert torch.cat([p for _, p in wrong["rows"]]).eq(1).all()


def test_unpack_rejects_a_single_tensor(checks: ModuleType) -> None:
    from grader.authoring.check import InvalidAnswer

    with pytest.raises(InvalidAnswer):
        checks.unpack(torch.zeros(2, 3), 2, 3)
