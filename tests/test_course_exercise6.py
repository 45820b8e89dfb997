"""exercise6 (dl/dW1 over paths): the judge-side formulas reproduce docs/course.md's numbers and
agree with autograd, and each known-wrong solution is named by the diagnosis its checks give.

The mutants are staff files, imported here directly; the sandboxed path of the same checks is
exercised by `grade validate exercise6`.
"""

from __future__ import annotations

from types import ModuleType

import course_harness as harness
import pytest
import torch

from grader.authoring.expect import relative_error
from grader.judge.registry import Exercise

EXERCISE = "exercise6"
exercise, checks = harness.exercise, harness.checks


def test_lecture_path_terms_match_course(checks: ModuleType) -> None:
    terms = checks.contributions(checks.lecture_network())[:, 0, 0]
    assert terms.tolist() == pytest.approx([-0.0298359, 0.0051563], abs=5e-8)
    assert terms.sum().item() == pytest.approx(-0.0246796, abs=5e-8)


def test_lecture_gradient_row0_matches_course(checks: ModuleType) -> None:
    grad = checks.autograd_gradient(checks.lecture_network())
    assert grad.shape == (3, 2)
    assert grad[0].tolist() == pytest.approx([-0.024680, -0.049359], abs=5e-7)


@pytest.mark.parametrize("seed,sizes", [(1, (2, 3, 2)), (2, (4, 5, 3)), (3, (1, 6, 4))])
def test_path_sum_equals_autograd(checks: ModuleType, seed: int, sizes: tuple[int, ...]) -> None:
    net = checks.random_network(seed, *sizes)
    summed = checks.contributions(net).sum(0)
    assert relative_error(summed, checks.autograd_gradient(net)) < 1e-12


@pytest.mark.parametrize(
    "name", ["solution.py", "alternatives/loops.py", "alternatives/einsum_jacobians.py"]
)
def test_correct_solutions_agree_with_autograd(
    exercise: Exercise, checks: ModuleType, name: str
) -> None:
    module = harness.staff(exercise, name)
    net = checks.random_network(7, 4, 5, 3)
    assert relative_error(module.grad_W1(*net), checks.autograd_gradient(net)) < 1e-10
    terms = torch.tensor(module.path_terms(*net, 3, 2), dtype=torch.float64)
    assert relative_error(terms, checks.contributions(net)[:, 3, 2]) < 1e-10


@pytest.mark.parametrize(
    "mutant,code",
    [
        ("transposed", "transposed"),
        ("one_path", "missing_path"),
        ("sign_flipped", "sign_flipped"),
        ("no_sigmoid_derivative", "no_sigmoid_derivative_layer1"),
    ],
)
def test_wrong_gradient_is_named(
    exercise: Exercise, checks: ModuleType, mutant: str, code: str
) -> None:
    net = checks.lecture_network()
    got = harness.staff(exercise, f"mutants/{mutant}.py").grad_W1(*net)
    diagnosis = checks.explain_gradient(got, net)
    assert diagnosis is not None and diagnosis.code == code


@pytest.mark.parametrize(
    "mistake", ["no_sigmoid_derivative_layer2", "sigmoid_for_derivative", "input_factor_missing"]
)
def test_each_known_mistake_is_recognised(checks: ModuleType, mistake: str) -> None:
    net = checks.random_network(11, 3, 4, 2)
    wrong = checks.contributions(net, mistake)
    assert checks.explain_gradient(wrong.sum(0), net).code == mistake
    assert checks.explain_terms(wrong[:, 1, 2], net, 1, 2).code == mistake


def test_right_answer_gets_no_diagnosis(checks: ModuleType) -> None:
    net = checks.lecture_network()
    assert checks.explain_gradient(checks.autograd_gradient(net), net) is None


def test_probe_counts_autograd_use(exercise: Exercise, checks: ModuleType) -> None:
    probes = exercise.probes
    assert probes is not None
    net = checks.lecture_network()
    by_hand = probes.autograd_use(harness.staff(exercise, "solution.py"), "cpu", *net)
    with_autograd = probes.autograd_use(
        harness.staff(exercise, "mutants/uses_autograd.py"), "cpu", *net
    )
    assert by_hand == {"saved": 0, "grad": 0, "backward": 0, "unseen": 0}
    assert (
        with_autograd["grad"] == 1 and with_autograd["backward"] == 1 and with_autograd["saved"] > 0
    )
    assert torch.autograd.grad.__name__ == "grad"  # the probe put autograd back as it was
