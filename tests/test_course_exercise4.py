"""exercise4 (gradients of intermediate variables): the fixtures are the lecture's, the probes
see backward passes and hooks as they are, and real sandboxed runs give the reference and the
alternative full marks, the stub not_attempted everywhere, and each mutant a failure (with its
diagnosis) on the checks it names."""

from __future__ import annotations

from types import ModuleType

import pytest
import torch
from torch.autograd.variable import Variable

from grader.judge import Source, run_exercise
from grader.models import ExerciseResult
from grader.registry import Exercise, Registry, load_module
from grader.sandbox import Engine

EXERCISE = "exercise4"


@pytest.fixture(scope="module")
def exercise(registry: Registry) -> Exercise:
    return registry.get(EXERCISE)


@pytest.fixture(scope="module")
def checks(exercise: Exercise) -> ModuleType:
    return exercise.module("checks")


@pytest.fixture(scope="module")
def graded(engine: Engine, exercise: Exercise) -> dict[str, ExerciseResult]:
    """Every course file of the exercise, graded once in the sandbox, by file stem."""
    assert exercise.solution is not None and exercise.reference_folder is not None
    paths = [exercise.solution, exercise.stub]
    paths += sorted((exercise.reference_folder / "alternatives").glob("*.py"))
    paths += [mutant.path for mutant in exercise.mutants]
    return {p.stem: run_exercise(engine, exercise, Source(p.read_bytes(), p.name)) for p in paths}


def statuses(result: ExerciseResult) -> dict[str, str]:
    return {check.name: check.status for check in result.checks}


def test_lecture_fixture_and_second_inputs(checks: ModuleType) -> None:
    assert checks.expected_grads(*checks.LECTURE) == {"x": 2, "w": 3, "b": 1, "u": 1, "v": 1}
    x, w, b = checks.SECOND
    assert w * x + b < 0, "the second call must change every gradient, da/du and da/dv too"
    assert set(checks.expected_grads(*checks.SECOND).values()) == {0.0}


def test_hidden_triples_are_off_the_kink(exercise: Exercise) -> None:
    assert exercise.hidden_checks_path is not None
    hidden = load_module(exercise.hidden_checks_path, f"grader_course.{EXERCISE}.hidden_checks")
    assert min(abs(w * x + b) for x, w, b in hidden.random_triples(seed=4, count=3)) >= 0.25


def test_probes_see_passes_and_hooks_and_restore_torch(exercise: Exercise) -> None:
    probes, reference = exercise.probes, exercise.reference
    assert probes is not None
    register_hook, engine = torch.Tensor.register_hook, Variable._execution_engine
    passes = probes.backward_passes(reference, "cpu", "grad_tuple", 3.0, 2.0, 1.0)
    assert passes == {"grad": 1, "backward": 0}
    passes = probes.backward_passes(reference, "cpu", "retain_grad", 3.0, 2.0, 1.0)
    assert passes == {"grad": 0, "backward": 1}
    hooks = probes.hooks_left(reference, "cpu", "hooks", 3.0, 2.0, 1.0)
    assert hooks == {"registered": 2, "left": 0}
    assert torch.Tensor.register_hook is register_hook
    assert Variable._execution_engine is engine


def test_reference_and_alternative_earn_full_marks(graded: dict[str, ExerciseResult]) -> None:
    for stem in ("solution", "one_function_per_method"):
        result = graded[stem]
        assert result.score == result.max_score == 10, (stem, statuses(result))


def test_stub_is_not_attempted_everywhere(graded: dict[str, ExerciseResult]) -> None:
    assert set(statuses(graded[EXERCISE]).values()) == {"not_attempted"}


def test_each_mutant_fails_the_checks_it_names(
    exercise: Exercise, graded: dict[str, ExerciseResult]
) -> None:
    for mutant in exercise.mutants:
        result = graded[mutant.path.stem]
        assert result.score < result.max_score
        assert {statuses(result)[name] for name in mutant.fails} == {"failed"}, mutant.path.stem


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
    check = next(c for c in graded[mutant].checks if c.name == check_name)
    assert check.status == "failed" and check.diagnosis is not None
    assert check.diagnosis.code == code
