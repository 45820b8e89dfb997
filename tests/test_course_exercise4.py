"""exercise4 (gradients of intermediate variables): the fixtures are the lecture's, hidden inputs
stay off the kink, and the probes see backward passes and hooks as they are. The reference,
alternatives, stub and mutants, graded in real sandboxes, are tests/test_course.py's."""

from __future__ import annotations

from types import ModuleType

import course_harness as harness
import torch
from torch.autograd.variable import Variable

from grader.judge.registry import Exercise

EXERCISE = "exercise4"
exercise, checks = harness.exercise, harness.checks


def test_lecture_fixture_and_second_inputs(checks: ModuleType) -> None:
    assert checks.expected_grads(*checks.LECTURE) == {"x": 2, "w": 3, "b": 1, "u": 1, "v": 1}
    x, w, b = checks.SECOND
    assert w * x + b < 0, "the second call must change every gradient, da/du and da/dv too"
    assert set(checks.expected_grads(*checks.SECOND).values()) == {0.0}


def test_hidden_triples_are_off_the_kink(exercise: Exercise) -> None:
    hidden = harness.hidden_checks(exercise)
    assert min(abs(w * x + b) for x, w, b in hidden.random_triples(seed=4, count=3)) >= 0.25


def test_probes_see_passes_and_hooks_and_restore_torch(exercise: Exercise) -> None:
    probes, reference = exercise.probes, exercise.reference
    assert probes is not None
    register_hook, engine = torch.Tensor.register_hook, Variable._execution_engine
    passes = probes.backward_passes(reference, "cpu", "grad_tuple", 3.0, 2.0, 1.0)
    assert passes == {"grad": 1, "backward": 0, "unseen": 0}
    passes = probes.backward_passes(reference, "cpu", "retain_grad", 3.0, 2.0, 1.0)
    assert passes == {"grad": 0, "backward": 1, "unseen": 0}
    hooks = probes.hooks_left(reference, "cpu", "hooks", 3.0, 2.0, 1.0)
    assert hooks == {"registered": 2, "left": 0}
    assert torch.Tensor.register_hook is register_hook
    assert Variable._execution_engine is engine
