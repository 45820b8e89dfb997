"""exercise5 (weight sharing): the judge-side path terms are the lecture's, hidden inputs keep
a missing x1 visible, and swapped paths are named. The reference, alternatives, stub and
mutants, graded in real sandboxes, are tests/test_course.py's."""

from __future__ import annotations

from types import ModuleType

import course_harness as harness

from grader.authoring.expect import relative_error
from grader.judge.registry import Exercise

EXERCISE = "exercise5"
FIXTURE = (-0.26547441551, -0.54433233382, -0.80980674934)
exercise, checks = harness.exercise, harness.checks


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
