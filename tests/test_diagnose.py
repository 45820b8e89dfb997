"""Tests for grader.authoring.diagnose:
each detector fires on its mistake and stays quiet otherwise.

Fixtures are docs/course.md's numbers; where a mistake can be made with real torch code (a
hand-written ReLU, a loop without zero_grad), the wrong answer is produced that way.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.authoring.diagnose import (
    OffDevice,
    accumulated_gradients,
    broadcast_not_reduced,
    constant_factor,
    data_not_on_device,
    device_type,
    diagnose_gradient,
    grad_output_modified,
    loss_on_probabilities,
    missing_path,
    paths_multiplied,
    relu_grad_at_zero,
    sign_flipped,
    softmax_wrong_dim,
    transposed,
    upstream_ignored,
)
from grader.outputs.models import Diagnosis

UPPER, LOWER, TOTAL = -0.26547441551, -0.54433233382, -0.80980674934  # exercise5
PATHS = {"upper": UPPER, "lower": LOWER}
LOGITS = torch.tensor(
    [[-0.3, -0.5, -0.5], [-0.4, -0.1, -0.5], [-0.3, -0.94, -0.5], [-0.99, -0.88, -0.5]]
)
TARGETS = torch.tensor([0, 1, 2, 2])  # exercise9


Relu = Callable[[torch.Tensor], torch.Tensor]


@pytest.fixture
def grad() -> torch.Tensor:
    return torch.tensor([[0.5, -1.25, 2.0], [3.0, 0.75, -0.1]], dtype=torch.float64)


def relu_gradients(relu: Relu, x: torch.Tensor, upstream: torch.Tensor) -> torch.Tensor:
    """What autograd gives for a hand-written ReLU: the wrong answers come from real code."""
    leaf = x.clone().requires_grad_()
    (grad,) = torch.autograd.grad(relu(leaf), leaf, upstream)
    return grad


def code(found: Diagnosis | None) -> str | None:
    return None if found is None else found.code


def test_sign_flipped(grad: torch.Tensor) -> None:
    found = sign_flipped(-grad, grad)
    assert found is not None and found.code == "sign_flipped"
    assert "Lecture 06" in found.explanation
    assert "expected 3, got -3" in found.evidence  # the element that differs most
    assert sign_flipped(-TOTAL, TOTAL) is not None
    assert sign_flipped(grad, grad) is None
    assert sign_flipped(2 * grad, grad) is None
    assert sign_flipped(torch.zeros(3), torch.zeros(3)) is None  # -0 == 0: nothing wrong
    assert sign_flipped(-1.001 * grad, grad) is None  # close is not equal


def test_constant_factor_names_the_factor(grad: torch.Tensor) -> None:
    double = constant_factor(2 * grad, grad)
    half = constant_factor(grad.float() / 2, grad)  # float32 answers are compared fairly
    assert double is not None and "2 times" in double.title
    assert half is not None and "1/2 times" in half.title
    odd = constant_factor(1.37 * grad, grad)
    assert odd is not None and "1.37" in odd.title
    assert constant_factor(TOTAL / 2, TOTAL) is not None  # exercise5 without the x1 factor


def test_constant_factor_stays_quiet(grad: torch.Tensor) -> None:
    assert constant_factor(grad, grad) is None
    assert constant_factor(-grad, grad) is None  # that is sign_flipped's
    assert constant_factor(torch.zeros_like(grad), grad) is None
    assert constant_factor(grad + 1, grad) is None
    assert constant_factor(0.3, 0.7) is None  # any two scalars have a ratio: not evidence
    assert constant_factor(torch.ones(3) * 0.37, torch.ones(3)) is None


def test_constant_factor_batch_size(grad: torch.Tensor) -> None:
    found = constant_factor(7 * grad, grad, batch_size=7)
    assert found is not None and "batch size 7" in found.explanation
    assert constant_factor(grad / 7, grad, batch_size=7) is not None
    assert constant_factor(0.3 * 7, 0.3, batch_size=7) is not None
    assert constant_factor(0.3 * 7, 0.3) is None


def test_transposed(grad: torch.Tensor) -> None:
    found = transposed(grad.t(), grad)
    assert found is not None and "(3, 2)" in found.evidence
    square = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert transposed(square.t(), square) is not None
    assert transposed(square, square) is None
    symmetric = torch.tensor([[1.0, 2.0], [2.0, 1.0]])
    assert transposed(symmetric.t(), symmetric) is None
    assert transposed(grad.reshape(3, 2), grad) is None  # reshaped, not transposed


def test_missing_path_names_the_path() -> None:
    found = missing_path(UPPER, TOTAL, PATHS)
    assert found is not None and found.code == "missing_path"
    assert "lower path is missing" in found.title
    assert "upper -0.265474 + lower -0.544332" in found.evidence
    found = missing_path(LOWER, TOTAL, PATHS)
    assert found is not None and "upper path is missing" in found.title
    three = {"a": torch.ones(2), "b": 2 * torch.ones(2), "c": 4 * torch.ones(2)}
    found = missing_path(torch.full((2,), 4.0), torch.full((2,), 7.0), three)
    assert found is not None and "a and b paths are missing" in found.title


def test_missing_path_stays_quiet() -> None:
    assert missing_path(TOTAL, TOTAL, PATHS) is None
    assert missing_path(-0.5, TOTAL, PATHS) is None
    assert missing_path(UPPER, TOTAL, {"upper": UPPER}) is None  # one path: nothing to miss
    assert missing_path(UPPER, TOTAL, {"upper": torch.ones(2), "lower": LOWER}) is None


def test_paths_multiplied() -> None:
    found = paths_multiplied(UPPER * LOWER, TOTAL, PATHS)
    assert found is not None and "multiplied" in found.title
    assert paths_multiplied(UPPER + LOWER, TOTAL, PATHS) is None
    assert paths_multiplied(UPPER, TOTAL, PATHS) is None


def test_broadcast_not_reduced() -> None:
    per_example = torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])
    found = broadcast_not_reduced(per_example, per_example.sum(0))
    assert found is not None and "over dim 0 " in found.evidence
    kept = broadcast_not_reduced(per_example, per_example.sum(1, keepdim=True))
    assert kept is not None and "over dim 1 " in kept.evidence
    assert broadcast_not_reduced(per_example.t(), per_example.sum(0)) is not None
    assert broadcast_not_reduced(per_example, per_example.mean(0)) is None
    assert broadcast_not_reduced(per_example.sum(0), per_example.sum(0)) is None


@pytest.mark.parametrize(
    ("relu", "at_zero"),
    [
        (lambda t: t.clamp(min=0), "1"),
        (lambda t: torch.where(t >= 0, t, 0.0), "1"),
        (lambda t: torch.maximum(t, torch.zeros_like(t)), "0.5"),
        (lambda t: (t + t.abs()) / 2, "0.5"),
    ],
)
def test_relu_grad_at_zero_names_the_value(relu: Relu, at_zero: str) -> None:
    x = torch.tensor([-1.0, 0.0, 2.0, 0.0])
    upstream = torch.tensor([1.5, 2.0, -3.0, 4.0])
    got = relu_gradients(relu, x, upstream)
    found = relu_grad_at_zero(got, upstream * (x > 0), x, grad_output=upstream)
    assert found is not None and f"taken as {at_zero} instead of 0" in found.title
    assert found.evidence.startswith("x[1] = 0")
    # Said plainly: the version that gives this value is wrong at 0, not a convention to follow.
    assert f"give exactly this {at_zero} at x = 0, so they are wrong there" in found.explanation
    assert "torch.relu" in found.explanation


def test_relu_grad_at_zero_stays_quiet() -> None:
    x = torch.tensor([-1.0, 0.0, 2.0])
    expected = (x > 0).double()
    assert relu_grad_at_zero(relu_gradients(torch.relu, x, torch.ones(3)), expected, x) is None
    assert relu_grad_at_zero(-expected, expected, x) is None  # wrong away from 0 as well
    no_zero = torch.tensor([-1.0, 0.5, 2.0])
    assert relu_grad_at_zero(torch.tensor([1.0, 1.0, 1.0]), expected, no_zero) is None


def test_upstream_ignored() -> None:
    x = torch.tensor([-1.0, 0.5, 2.0])
    upstream = torch.tensor([3.0, -2.0, 0.5])
    local = (x > 0).float()
    found = upstream_ignored(local, upstream * local, local)
    assert found is not None and "upstream" in found.title
    assert upstream_ignored(upstream * local, upstream * local, local) is None
    assert upstream_ignored(local, local, local) is None  # unit upstream: indistinguishable
    assert upstream_ignored(2 * local, upstream * local, local) is None


def test_grad_output_modified() -> None:
    x = torch.tensor([-1.0, 0.5, -2.0])
    grad_output = torch.tensor([1.0, 2.0, 3.0])
    before = grad_output.clone()
    grad_output[x < 0] = 0  # the classic in-place ReLU backward
    found = grad_output_modified(before, grad_output)
    assert (
        found is not None and found.evidence == "grad_output[0] was 1 before backward and 0 after"
    )
    assert grad_output_modified(before, before.clone()) is None
    assert grad_output_modified(before, before[:2]) is None


def test_accumulated_gradients_from_a_loop_without_zero_grad() -> None:
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    batches = [torch.randn(4, 3) for _ in range(3)]
    got, expected = [], []
    for features in batches:  # lr 0: the weights stay put, the gradients pile up
        torch.autograd.backward(((features @ w) ** 2).mean())  # into w.grad, adding
        assert w.grad is not None
        got.append(w.grad.clone())
        expected.append(torch.autograd.grad(((features @ w) ** 2).mean(), w)[0])
    found = accumulated_gradients(got, expected)
    assert found is not None and "zero_grad" in found.title
    assert found.evidence.startswith("step 2:")
    assert accumulated_gradients(expected, expected) is None
    zeros = torch.zeros(3)  # all-zero steps are their own running sums: nothing wrong
    assert accumulated_gradients([zeros, zeros], [zeros, zeros]) is None
    assert accumulated_gradients(got[:1], expected[:1]) is None
    assert accumulated_gradients([2 * e for e in expected], expected) is None


def test_loss_on_probabilities_course_numbers() -> None:
    probas = LOGITS.softmax(dim=1)
    twice = loss_on_probabilities(F.cross_entropy(probas, TARGETS), LOGITS, TARGETS)
    assert twice is not None and "got 1.03947" in twice.evidence
    assert "expected 0.933505" in twice.evidence
    nll = loss_on_probabilities(F.nll_loss(probas, TARGETS).item(), LOGITS, TARGETS)
    assert nll is not None and "nll_loss" in nll.title and "got -0.394582" in nll.evidence
    per_sample = F.cross_entropy(probas, TARGETS, reduction="none")
    assert loss_on_probabilities(per_sample, LOGITS, TARGETS) is not None
    summed = F.cross_entropy(probas, TARGETS, reduction="sum")
    assert loss_on_probabilities(summed, LOGITS, TARGETS.tolist()) is not None


def test_loss_on_probabilities_stays_quiet() -> None:
    assert loss_on_probabilities(0.933505, LOGITS, TARGETS) is None
    log_probas = LOGITS.log_softmax(dim=1)  # accepted: identical to the right answer
    assert loss_on_probabilities(F.cross_entropy(log_probas, TARGETS), LOGITS, TARGETS) is None
    assert loss_on_probabilities(3.734019, LOGITS, TARGETS) is None  # sum of the right losses
    assert loss_on_probabilities(1.0395, LOGITS, torch.tensor([0, 1, 2, 3])) is None
    assert loss_on_probabilities(0.5, LOGITS, TARGETS) is None


def test_softmax_wrong_dim() -> None:
    found = softmax_wrong_dim(F.softmax(LOGITS, dim=0), LOGITS)
    assert found is not None and "dim 0" in found.title
    assert softmax_wrong_dim(F.log_softmax(LOGITS, dim=0), LOGITS) is not None
    assert softmax_wrong_dim(F.softmax(LOGITS, dim=1), LOGITS) is None
    assert softmax_wrong_dim(F.log_softmax(LOGITS, dim=1), LOGITS) is None
    assert softmax_wrong_dim(LOGITS, LOGITS) is None
    square = torch.zeros(3, 3)  # both dims give 1/3 everywhere: the answer is right
    assert softmax_wrong_dim(F.softmax(square, dim=1), square) is None


@pytest.mark.parametrize(
    "detect",
    [
        lambda g, e: sign_flipped(g, e),
        lambda g, e: constant_factor(g, e),
        lambda g, e: transposed(g, e),
        lambda g, e: missing_path(g, e, {"a": e, "b": e}),
        lambda g, e: paths_multiplied(g, e, {"a": e, "b": e}),
        lambda g, e: broadcast_not_reduced(g, e),
        lambda g, e: relu_grad_at_zero(g, e, e),
        lambda g, e: upstream_ignored(g, e, e),
        lambda g, e: grad_output_modified(g, e),
        lambda g, e: accumulated_gradients([g, g], [e, e]),
        lambda g, e: loss_on_probabilities(g, e, [0]),
        lambda g, e: softmax_wrong_dim(g, e),
        lambda g, e: diagnose_gradient(g, e, x=e, local_derivative=e, paths={"a": e}),
    ],
)
@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (torch.tensor([1.0, math.nan]), torch.tensor([1.0, 2.0])),
        (torch.tensor([1.0, math.inf]), torch.tensor([-1.0, 2.0])),
        (torch.ones(2, 3), torch.ones(4)),
        (torch.empty(0), torch.empty(0)),
        ("0.5", 0.5),
        (None, torch.ones(2)),
        (torch.ones(2, dtype=torch.complex64), torch.ones(2)),
    ],
)
def test_odd_input_gives_none(
    detect: Callable[[object, object], Diagnosis | None], got: object, expected: object
) -> None:
    assert detect(got, expected) is None


def test_diagnose_gradient_order() -> None:
    # got = total / 2 is also a constant factor; the named path is the better explanation
    found = diagnose_gradient(1.0, 2.0, paths={"upper": 1.0, "lower": 1.0})
    assert found is not None and found.code == "missing_path"
    assert diagnose_gradient(1.0, 2.0) is not None
    assert code(diagnose_gradient(UPPER * LOWER, TOTAL, paths=PATHS)) == "paths_multiplied"
    x = torch.tensor([-1.0, 0.5, 2.0])
    upstream = torch.full((3,), 3.0)
    local = (x > 0).float()
    # with a constant upstream of 3 this is also "1/3 times"; the named cause wins
    assert code(diagnose_gradient(local, upstream * local)) == "constant_factor"
    found = diagnose_gradient(local, upstream * local, x=x, local_derivative=local)
    assert code(found) == "upstream_ignored"
    at_zero = torch.tensor([-1.0, 0.0, 2.0])
    clamp = relu_gradients(lambda t: t.clamp(min=0), at_zero, upstream)
    found = diagnose_gradient(clamp, upstream * (at_zero > 0), x=at_zero, grad_output=upstream)
    assert code(found) == "relu_grad_at_zero"


def test_diagnose_gradient_general_cases(grad: torch.Tensor) -> None:
    assert code(diagnose_gradient(-grad, grad)) == "sign_flipped"
    assert code(diagnose_gradient(grad.t(), grad)) == "transposed"
    assert code(diagnose_gradient(3 * grad, grad)) == "constant_factor"
    stacked = torch.stack([grad, grad, -grad])
    assert code(diagnose_gradient(stacked, grad)) == "broadcast_not_reduced"
    assert diagnose_gradient(grad, grad) is None
    assert diagnose_gradient(grad + torch.tensor([0.01, 0.0, -0.02]), grad) is None


ODD_FLOATS = st.sampled_from([0.0, -0.0, 1.0, -2.5, 1e-300, 1e300, math.nan, math.inf, -math.inf])
ODD_TENSORS = st.lists(ODD_FLOATS | st.floats(), min_size=0, max_size=6).flatmap(
    lambda values: st.sampled_from(
        [torch.tensor(values, dtype=torch.float64), torch.tensor(values).float()]
        + ([torch.tensor(values).reshape(2, -1)] if len(values) % 2 == 0 and values else [])
    )
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(got=ODD_TENSORS, expected=ODD_TENSORS, x=ODD_TENSORS)
def test_diagnose_gradient_never_raises(
    got: torch.Tensor, expected: torch.Tensor, x: torch.Tensor
) -> None:
    found = diagnose_gradient(
        got, expected, x=x, grad_output=x, local_derivative=x, paths={"a": x, "b": got}
    )
    assert found is None or isinstance(found, Diagnosis)
    for result in (
        accumulated_gradients([got, x], [expected, x]),
        loss_on_probabilities(got, expected, x),
        softmax_wrong_dim(got, expected),
        grad_output_modified(got, expected),
    ):
        assert result is None or isinstance(result, Diagnosis)


def recorded_as(record: dict[str, list[list[str]]], reads: list[str] | None = None) -> Callable:
    """A reader of a probe's device record that notes which keys were read."""

    def read(key: str) -> list[list[str]]:
        if reads is not None:
            reads.append(key)
        return record[key]

    return read


ON_META = {
    "model_parameters": [["meta", "meta"]],
    "model_inputs": [["meta"]],
    "loss_inputs": [["meta", "meta"]],
}


def test_device_type_drops_the_index() -> None:
    assert device_type("cuda:1") == "cuda"
    assert device_type("meta") == "meta"


@pytest.mark.parametrize(
    ("changes", "error", "expected"),
    [
        ({}, "", None),
        ({"model_parameters": [["meta", "cpu"]]}, "", OffDevice("model", ["meta", "cpu"])),
        ({"model_inputs": []}, "RuntimeError: Module.to() ...", OffDevice("model_moved_off", [])),
        ({"model_inputs": []}, "RuntimeError: something else", None),
        ({"model_inputs": [["meta"], ["cpu"]]}, "", OffDevice("features", ["cpu"])),
        ({"loss_inputs": [["meta", "cpu"]]}, "", OffDevice("targets", ["meta", "cpu"])),
        ({"loss_inputs": [["cpu", "meta"]]}, "", None),  # the output's device is the model's
    ],
)
def test_data_not_on_device_names_the_first_part_off_the_device(
    changes: dict[str, list[list[str]]], error: str, expected: OffDevice | None
) -> None:
    record = {**ON_META, **changes}
    assert data_not_on_device("meta", error, recorded_as(record)) == expected


def test_data_not_on_device_compares_device_types_and_reads_only_what_it_needs() -> None:
    on_cuda = {key: [[d.replace("meta", "cuda") for d in call] for call in calls]
               for key, calls in ON_META.items()}  # fmt: skip
    assert data_not_on_device("cuda:1", "", recorded_as(on_cuda)) is None
    reads: list[str] = []
    off = data_not_on_device("cuda:1", "", recorded_as({"model_parameters": [["cpu"]]}, reads))
    assert off == OffDevice("model", ["cpu"]) and reads == ["model_parameters"]
