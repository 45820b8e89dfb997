"""exercise1 (a = relu(w*x + b)): the judge-side fixtures are the lecture's, hidden inputs stay
off the kink, and real sandboxed runs give the reference and the alternatives full marks, the
stub not_attempted everywhere, and each mutant a failure (with its diagnosis) on the checks it
names."""

from __future__ import annotations

from types import ModuleType

import course_harness as harness
import pytest

from grader.judge.registry import Exercise
from grader.outputs.models import ExerciseResult

EXERCISE = "exercise1"
exercise, checks, graded = harness.exercise, harness.checks, harness.graded


def test_lecture_fixture(checks: ModuleType) -> None:
    assert checks.expected_graph(3.0, 2.0, 1.0) == (7.0, {"x": 2.0, "w": 3.0, "b": 1.0})
    assert checks.expected_graph(-1.0, 1.0, 1.0) == (0.0, {"x": 0.0, "w": 0.0, "b": 0.0})


def test_hidden_triples_are_off_the_kink_and_on_both_sides(exercise: Exercise) -> None:
    hidden = harness.hidden_checks(exercise)
    found = hidden.random_triples(seed=6, count=6)
    assert found == hidden.random_triples(seed=6, count=6)
    preactivations = [w * x + b for x, w, b in found]
    assert min(abs(v) for v in preactivations) >= 0.25
    assert any(v > 0 for v in preactivations) and any(v < 0 for v in preactivations)


def test_reference_and_alternatives_earn_full_marks(graded: dict[str, ExerciseResult]) -> None:
    harness.assert_full_marks(graded, ("solution", "float32_where", "functional_grad"), 10)


def test_stub_is_not_attempted_everywhere(graded: dict[str, ExerciseResult]) -> None:
    harness.assert_not_attempted_everywhere(graded[EXERCISE])


def test_each_mutant_fails_the_checks_it_names(
    exercise: Exercise, graded: dict[str, ExerciseResult]
) -> None:
    harness.assert_mutants_fail_the_checks_they_name(exercise, graded)


@pytest.mark.parametrize(
    ("mutant", "check_name", "code"),
    [
        ("relu_grad_one_at_zero", "relu_derivative_at_zero", "relu_grad_at_zero"),
        ("partials_swapped", "manual_matches_lecture", "partials_swapped"),
        ("relu_derivative_ignored", "hidden_inactive_unit", "relu_derivative_ignored"),
        ("backward_on_cached_leaves", "repeated_calls_agree", "accumulated_gradients"),
    ],
)
def test_mutants_are_explained(
    graded: dict[str, ExerciseResult], mutant: str, check_name: str, code: str
) -> None:
    harness.assert_explained(graded[mutant], check_name, code)


def test_hidden_feedback_names_no_inputs(graded: dict[str, ExerciseResult]) -> None:
    hidden = [c for c in graded["hardcoded_fixtures"].checks if c.hidden]
    assert hidden and all(c.status == "failed" for c in hidden)
    for check in hidden:
        assert "\n" not in check.feedback and "(x, w, b)" not in check.feedback


def test_probe_counts_backward_passes(exercise: Exercise) -> None:
    probes = exercise.probes
    assert probes is not None and exercise.solution is not None
    reference = exercise.reference
    assert probes.backward_passes(reference, "cpu", "graph_autograd", 3.0, 2.0, 1.0) == {
        "grad": 1,
        "backward": 0,
        "unseen": 0,
    }
    assert probes.backward_passes(reference, "cpu", "graph_manual", 3.0, 2.0, 1.0) == {
        "grad": 0,
        "backward": 0,
        "unseen": 0,
    }
