"""exercise8 (Sequential and hooks): the probes load the judge's weights and report the hook's
captures; exercise 7's forward pass is reproduced; each wrong capture is named.

Probes and mutants are staff files, run here in this process; the sandboxed path of the same
checks is exercised by `grade validate exercise8`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import course_harness as harness
import pytest
import torch

from grader.judge.registry import Exercise

EXERCISE = "exercise8"
SIZES = [4, 6, 5, 3]
exercise, checks, probes = harness.exercise, harness.checks, harness.probes


def capture(
    exercise: Exercise, probes: ModuleType, checks: ModuleType, name: str, index: int, n: int
) -> dict[str, Any]:
    weights = checks.make_weights(tuple(SIZES), 5)
    xs = [checks.inputs(10 + k, 3, SIZES[0]) for k in range(n)]
    report: dict[str, Any] = probes.capture(
        harness.staff(exercise, name), "cpu", SIZES, weights, index, xs
    )
    report["weights"], report["xs"] = weights, xs
    return report


@pytest.mark.parametrize("name", ["solution.py", "alternatives/ordered_dict.py"])
def test_loaded_sequential_matches_the_mlp(
    exercise: Exercise, probes: ModuleType, checks: ModuleType, name: str
) -> None:
    weights, x = checks.make_weights(tuple(SIZES), 1), checks.inputs(2, 5, SIZES[0])
    report = probes.logits(harness.staff(exercise, name), "cpu", SIZES, weights, x)
    assert report["loaded"] is True
    torch.testing.assert_close(report["output"], checks.mlp_activations(weights, x)[4])


def test_layout_of_the_reference(exercise: Exercise, probes: ModuleType) -> None:
    report = probes.layout(harness.staff(exercise, "solution.py"), "cpu", SIZES)
    assert report["sequential"] is True
    assert [layer["kind"] for layer in report["layers"]] == [
        "Linear",
        "ReLU",
        "Linear",
        "ReLU",
        "Linear",
    ]


def test_weights_that_do_not_fit_are_reported(
    exercise: Exercise, probes: ModuleType, checks: ModuleType
) -> None:
    weights = checks.make_weights((4, 6, 5, 2), 1)
    report = probes.logits(
        harness.staff(exercise, "solution.py"), "cpu", SIZES, weights, checks.inputs(2, 5, 4)
    )
    assert report["loaded"] is False and "(2, 5)" in report["problem"]


def test_reference_hook_captures_once_per_pass_then_stops(
    exercise: Exercise, probes: ModuleType, checks: ModuleType
) -> None:
    report = capture(exercise, probes, checks, "solution.py", 1, 3)
    assert report["counts"] == [1, 2, 3] and report["after_remove"] == 3
    assert report["attached"] == [False, False, False]
    for item, x in zip(report["items"], report["xs"], strict=True):
        torch.testing.assert_close(item, checks.mlp_activations(report["weights"], x)[1])
        assert bool((item >= 0).all())


def test_mistakes_show_in_the_probe_report(
    exercise: Exercise, probes: ModuleType, checks: ModuleType
) -> None:
    assert capture(exercise, probes, checks, "mutants/not_detached.py", 1, 1)["attached"] == [True]
    twice = capture(exercise, probes, checks, "mutants/registered_twice.py", 1, 1)
    assert twice["counts"] == [2] and twice["after_remove"] == 3


@pytest.mark.parametrize(
    "mutant,index,title_word", [("pre_hook", 1, "input"), ("fixed_index", 3, "model[1]")]
)
def test_wrong_capture_is_named(
    exercise: Exercise,
    probes: ModuleType,
    checks: ModuleType,
    mutant: str,
    index: int,
    title_word: str,
) -> None:
    report = capture(exercise, probes, checks, f"mutants/{mutant}.py", index, 1)
    outputs = checks.mlp_activations(report["weights"], report["xs"][0])
    diagnosis = checks.explain_activation(report["items"][0], outputs, index)
    assert diagnosis is not None and diagnosis.code == "wrong_tensor_captured"
    assert title_word in diagnosis.title


def test_softmax_layer_is_named(checks: ModuleType) -> None:
    logits = checks.mlp_activations(checks.make_weights(tuple(SIZES), 1), checks.inputs(2, 5, 4))[4]
    diagnosis = checks.explain_logits(torch.softmax(logits, dim=1), logits)
    assert diagnosis is not None and diagnosis.code == "logits_normalised"
    assert checks.explain_logits(logits, logits) is None
