"""exercise5 (weight sharing): the judge-side path terms are the lecture's, hidden inputs keep
a missing x1 visible, and real sandboxed runs give the reference and the alternative full
marks, the stub not_attempted everywhere, and each mutant a failure (with its diagnosis) on the
checks it names."""

from __future__ import annotations

from types import ModuleType

import course_harness as harness
import pytest

from grader.authoring.expect import relative_error
from grader.judge.registry import Exercise
from grader.outputs.models import ExerciseResult

EXERCISE = "exercise5"
FIXTURE = (-0.26547441551, -0.54433233382, -0.80980674934)
exercise, checks, graded = harness.exercise, harness.checks, harness.graded


def test_autograd_path_terms_match_the_lecture(checks: ModuleType) -> None:
    terms = checks.autograd_paths(2.0, 0.5, 1.0)
    for got, expected in zip(terms, FIXTURE, strict=True):
        assert relative_error(got, expected) < 1e-10


def test_hidden_inputs_keep_a_missing_x1_visible(exercise: Exercise) -> None:
    found = harness.hidden_checks(exercise).random_inputs(seed=5, count=4)
    assert len(set(found)) == 4
    for x1, w1, _ in found:
        assert min(abs(abs(x1) - 1), abs(abs(x1) - 2)) > 0.2 and abs(w1) > 0.1


def test_swapped_paths_are_named(checks: ModuleType) -> None:
    expected = checks.autograd_paths(2.0, 0.5, 1.0)
    assert checks.explain_term(expected[1], expected, 0).code == "paths_swapped"
    assert checks.explain_term(expected[0], expected, 0) is None


def test_reference_and_alternative_earn_full_marks(graded: dict[str, ExerciseResult]) -> None:
    harness.assert_full_marks(graded, ("solution", "backward_and_torch_math"), 10)


def test_stub_is_not_attempted_everywhere(graded: dict[str, ExerciseResult]) -> None:
    harness.assert_not_attempted_everywhere(graded[EXERCISE])


def test_each_mutant_fails_the_checks_it_names(
    exercise: Exercise, graded: dict[str, ExerciseResult]
) -> None:
    harness.assert_mutants_fail_the_checks_they_name(exercise, graded)


@pytest.mark.parametrize(
    ("mutant", "check_name", "code"),
    [
        ("one_path_only", "total_is_sum_of_paths", "missing_path"),
        ("paths_multiplied", "total_is_sum_of_paths", "paths_multiplied"),
        ("sign_flipped", "upper_path_term", "sign_flipped"),
        ("sign_flipped", "total_is_sum_of_paths", "sign_flipped"),
        ("missing_x1_factor", "lower_path_term", "missing_x1"),
        ("missing_x1_factor", "hidden_paths_at_other_inputs", "missing_x1"),
        ("detach_cuts_path", "autograd_total", "missing_path"),
    ],
)
def test_mutants_are_explained(
    graded: dict[str, ExerciseResult], mutant: str, check_name: str, code: str
) -> None:
    harness.assert_explained(graded[mutant], check_name, code)


def test_hidden_feedback_names_no_inputs(graded: dict[str, ExerciseResult]) -> None:
    hidden = [c for c in graded["missing_x1_factor"].checks if c.hidden and c.status == "failed"]
    assert hidden
    for check in hidden:
        assert "\n" not in check.feedback and "(x1, w1, y)" not in check.feedback
        assert check.diagnosis is not None and check.diagnosis.evidence == ""
