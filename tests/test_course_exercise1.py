"""exercise1 (a = relu(w*x + b)): the judge-side fixtures are the lecture's, hidden inputs stay
off the kink, and the probe counts backward passes. The reference, alternatives, stub and
mutants, graded in real sandboxes, are tests/test_course.py's."""

from __future__ import annotations

from types import ModuleType

import course_harness as harness

from grader.judge.registry import Exercise

EXERCISE = "exercise1"
exercise, checks = harness.exercise, harness.checks


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
