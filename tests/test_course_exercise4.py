"""exercise4 (gradients of intermediate variables): the fixtures are the lecture's, the probes
see backward passes and hooks as they are, and real sandboxed runs give the reference and the
alternative full marks, the stub not_attempted everywhere, and each mutant a failure (with its
diagnosis) on the checks it names."""

from __future__ import annotations

from types import ModuleType

import course_harness as harness
import pytest
import torch
from torch.autograd.variable import Variable

from grader.judge.registry import Exercise
from grader.outputs.models import ExerciseResult

EXERCISE = "exercise4"
exercise, checks, graded = harness.exercise, harness.checks, harness.graded


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


def test_reference_and_alternative_earn_full_marks(graded: dict[str, ExerciseResult]) -> None:
    harness.assert_full_marks(graded, ("solution", "one_function_per_method"), 10)


def test_stub_is_not_attempted_everywhere(graded: dict[str, ExerciseResult]) -> None:
    harness.assert_not_attempted_everywhere(graded[EXERCISE])


def test_each_mutant_fails_the_checks_it_names(
    exercise: Exercise, graded: dict[str, ExerciseResult]
) -> None:
    harness.assert_mutants_fail_the_checks_they_name(exercise, graded)


@pytest.mark.parametrize(
    ("mutant", "check_name", "code"),
    [
        ("missing_retain_grad", "retain_grad_method", "retain_grad_missing"),
        ("stale_hook_store", "second_call_not_stale", "stale_state"),
    ],
)
def test_mutants_are_explained(
    graded: dict[str, ExerciseResult], mutant: str, check_name: str, code: str
) -> None:
    harness.assert_explained(graded[mutant], check_name, code)
