"""exercise3 (Table D2 and central differences): the judge's torch tables agree with the
probes' math tables, the expected values are MiniTorch's, and hidden points stay away from zero.
The reference, alternatives, stub and mutants, graded in real sandboxes, are
tests/test_course.py's."""

from __future__ import annotations

import math
from types import ModuleType

import course_harness as harness
import pytest
import torch

from grader.judge.registry import Exercise

EXERCISE = "exercise3"
ONE_VARIABLE = ("sin", "cos", "exp", "log", "square", "cube", "tanh", "sigmoid")
SEVERAL = {"mul": (5.0, 10.0), "div": (1.5, 0.7), "exp": (2.0,), "cube": (2.0,),
           "mix3": (0.9, 1.1, 1.7)}  # fmt: skip
exercise, checks, probes = harness.exercise, harness.checks, harness.probes


@pytest.mark.parametrize("name", ONE_VARIABLE)
def test_probe_and_judge_tables_agree(checks: ModuleType, probes: ModuleType, name: str) -> None:
    points = [0.45, 1.3, 2.35]
    f, df = probes.one_variable(name)
    values, slopes = checks.value_and_slope(name, torch.tensor(points, dtype=torch.float64))
    assert values.tolist() == pytest.approx([f(x) for x in points], rel=1e-12)
    assert slopes.tolist() == pytest.approx([df(x) for x in points], rel=1e-12)


@pytest.mark.parametrize("name", sorted(SEVERAL))
def test_several_variable_tables_agree(checks: ModuleType, probes: ModuleType, name: str) -> None:
    vals = SEVERAL[name]
    assert checks.evaluate(name, vals) == pytest.approx(probes.several_variables(name)(*vals))


def test_minitorch_cases(checks: ModuleType) -> None:
    assert checks.expected_partial("mul", (5.0, 10.0), 0) == 10.0
    assert checks.expected_partial("mul", (5.0, 10.0), 1) == 5.0
    assert checks.expected_partial("exp", (2.0,), 0) == pytest.approx(math.exp(2.0), rel=1e-15)


def test_hidden_points_stay_away_from_zero(exercise: Exercise) -> None:
    hidden = harness.hidden_checks(exercise)
    for seed in range(31, 36):
        assert all(0.4 <= x <= 2.4 for x in hidden.random_points(seed, 4))
