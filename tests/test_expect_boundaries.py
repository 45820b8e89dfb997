"""Each comparison at its exact boundary, on numbers float64 holds exactly.

test_expect.py pins the tolerances near their boundaries (a hair inside, a hair outside); these
pin the boundary itself, so `<` and `<=`, `+` and `-`, `*` and `/` in a rule are told apart:
relative error is strict (err < tol, docs/course.md), assert_close's rule is not
(|got - expected| <= atol + rtol * |expected|).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch

from grader.authoring.check import CheckFailure, InvalidAnswer
from grader.authoring.expect import (
    as_float,
    as_floats,
    as_tensor,
    expect_finite,
    expect_float,
    expect_tensor,
    far_from,
    max_difference,
    non_finite,
    relative_error,
    within,
    within_tolerance,
)
from grader.outputs.models import Diagnosis

# |1 - 3| / (|1| + |3|) = 0.5 exactly
ONE, THREE = 1.0, 3.0


def test_a_relative_error_equal_to_the_tolerance_is_not_within() -> None:
    assert relative_error(ONE, THREE) == 0.5
    assert not within(ONE, THREE, rel=0.5)
    assert within(ONE, THREE, rel=math.nextafter(0.5, 1.0))


# expected 2, rtol 0.25, atol 0.5: the allowance is 0.5 + 0.25 * 2 = 1 exactly
EXPECTED, RTOL, ATOL = 2.0, 0.25, 0.5


@pytest.mark.parametrize("got", [3.0, 1.0])
def test_a_difference_equal_to_the_allowance_is_within_tolerance(got: float) -> None:
    assert within_tolerance(got, EXPECTED, rtol=RTOL, atol=ATOL)
    expected = torch.tensor([EXPECTED], dtype=torch.float64)
    assert far_from(
        torch.tensor([got], dtype=torch.float64), expected, rtol=RTOL, atol=ATOL
    ).tolist() == [False]


@pytest.mark.parametrize("got", [math.nextafter(3.0, 4.0), 1.0 - 2.0**-52])
def test_a_difference_just_over_the_allowance_is_not(got: float) -> None:
    assert not within_tolerance(got, EXPECTED, rtol=RTOL, atol=ATOL)
    expected = torch.tensor([EXPECTED], dtype=torch.float64)
    assert far_from(
        torch.tensor([got], dtype=torch.float64), expected, rtol=RTOL, atol=ATOL
    ).tolist() == [True]


def test_the_relative_part_of_the_allowance_grows_with_the_expected_value() -> None:
    # expected 8: 0.5 + 0.25 * 8 = 2.5, so 10.5 is within and 10.6 is not (at 1/8 or 8/8
    # of rtol it would be neither, at 0.5 - 2 it would be none at all)
    assert within_tolerance(10.5, 8.0, rtol=RTOL, atol=ATOL)
    assert not within_tolerance(10.6, 8.0, rtol=RTOL, atol=ATOL)
    got, expected = torch.tensor([10.5, 10.6, 8.0]), torch.tensor([8.0, 8.0, 8.0])
    assert far_from(got, expected, rtol=RTOL, atol=ATOL).tolist() == [False, True, False]


def test_far_from_refuses_tensors_of_different_shapes_and_says_which() -> None:
    with pytest.raises(ValueError, match=r"^shapes differ: \(2,\) and \(3,\)$"):
        far_from(torch.ones(2), torch.ones(3))


def test_max_difference_is_the_largest_absolute_difference() -> None:
    assert max_difference(torch.tensor([1.0, 4.0, -3.0]), torch.tensor([2.0, 2.0, -3.5])) == 2.0
    assert max_difference(2.5, 2.0) == 0.5
    assert max_difference(-1.0, 1.0) == 2.0


def test_max_difference_of_two_empty_tensors_is_zero() -> None:
    assert max_difference(torch.ones(0), torch.ones(0)) == 0.0


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1.0", None])
def test_max_difference_that_cannot_be_computed_is_inf(bad: object) -> None:
    assert max_difference(bad, 1.0) == math.inf
    assert max_difference(torch.ones(2), torch.ones(3)) == math.inf


# ---- what the student reads: each refusal's exact sentence ----------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: as_float(None), "the answer should be a float, got NoneType"),
        (lambda: as_float(True, "loss"), "loss should be a float, got bool"),
        (lambda: as_float("1"), "the answer should be a float, got str '1'"),
        (
            lambda: as_float(torch.ones(2)),
            "the answer should be a float, got a tensor of shape (2,) and dtype torch.float32",
        ),
        (lambda: as_tensor(1.0), "the answer should be a tensor, got float 1.0"),
        (
            lambda: as_tensor(torch.ones(2, 3), "x.grad", shape=(3, 2)),
            "x.grad should have shape (3, 2), got (2, 3)",
        ),
        (
            lambda: as_tensor(torch.ones(2), dtype=torch.float64),
            "the answer should have dtype torch.float64, got torch.float32",
        ),
        (
            lambda: as_tensor(torch.ones(2, dtype=torch.int64)),
            "the answer should be a floating-point tensor, got torch.int64",
        ),
        (lambda: as_floats(1.0), "the answer should be a list of floats, got float 1.0"),
        (lambda: as_floats((1.0,), length=2), "the answer should have 2 entries, got 1"),
        (
            lambda: as_floats([1.0, torch.ones(())], "losses"),
            "losses[1] should be a Python float, got a tensor of shape () and dtype "
            "torch.float32 (call .item() on the loss)",
        ),
        (lambda: as_floats([1.0, True]), "the answer[1] should be a Python float, got bool True"),
        (
            lambda: expect_tensor(torch.ones(2), torch.ones(2, dtype=torch.float64)),
            "the answer should keep dtype torch.float64, got torch.float32",
        ),
    ],
)
def test_a_refused_answer_says_what_was_wanted_and_what_came(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(InvalidAnswer) as refused:
        call()
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: expect_finite(math.nan), "the answer returned NaN"),
        (lambda: as_float(math.inf, "the loss"), "the loss returned inf"),
        (lambda: as_floats([1.0, -math.inf]), "the answer[1] returned -inf"),
        (
            lambda: expect_finite(torch.tensor([1.0, math.nan, math.inf]), "y"),
            "y returned NaN (2 of 3 elements are not finite)",
        ),
        (lambda: expect_float(2.0, 1.0, "the slope"), "the slope is wrong"),
        (
            lambda: expect_tensor(torch.ones(2) * 2, torch.ones(2)),
            "the answer has the wrong values",
        ),
    ],
)
def test_a_wrong_answer_says_what_was_wrong(call: Callable[[], object], message: str) -> None:
    with pytest.raises(CheckFailure) as failed:
        call()
    assert failed.value.message == message


def test_the_length_asked_for_is_accepted() -> None:
    assert as_floats([1.0, 2], length=2) == [1.0, 2.0]
    assert as_floats((), length=0) == []


@pytest.mark.parametrize("value", ["x", [1.0], (math.nan,), None, torch.ones(2, dtype=torch.int64)])
def test_non_finite_looks_only_at_numbers_and_floating_tensors(value: object) -> None:
    assert non_finite(value) is None


def test_non_finite_names_what_it_found_in_a_complex_tensor() -> None:
    assert non_finite(torch.tensor([complex(math.inf, 0.0)])) == "inf"
    assert non_finite(torch.tensor([complex(-math.inf, 0.0)])) == "-inf"


def test_expect_float_names_the_answer_by_default() -> None:
    with pytest.raises(CheckFailure) as failed:
        expect_float(2.0, 1.0)
    assert failed.value.message == "the answer is wrong"


def test_a_non_finite_float_answer_keeps_the_checks_diagnosis() -> None:
    diagnosis = Diagnosis(code="sum_not_mean", title="sums", explanation="sums, not averages")
    with pytest.raises(CheckFailure) as failed:
        expect_float(math.nan, 1.0, "the loss", diagnosis=diagnosis)
    assert failed.value.message == "the loss returned NaN"
    assert failed.value.diagnosis == diagnosis


def test_the_absolute_floor_passes_what_relative_error_cannot() -> None:
    """Near 0, relative error is large for a tiny difference: abs_tol is the floor for that."""
    assert not within(1e-12, 0.0)
    assert expect_float(1e-12, 0.0, abs_tol=1e-9) == 1e-12
    with pytest.raises(CheckFailure):
        expect_float(1e-12, 0.0)
    with pytest.raises(CheckFailure):
        expect_float(2e-9, 0.0, abs_tol=1e-9)


def test_the_absolute_floor_only_adds_passes_and_is_absolute() -> None:
    # relative error 5e-12 passes even though the difference (1e-5) is over the floor
    assert expect_float(1e6 + 1e-5, 1e6, abs_tol=1e-9) == 1e6 + 1e-5
    # the floor is |got - expected| <= abs_tol, with nothing relative to the expected value
    with pytest.raises(CheckFailure):
        expect_float(1.5, 1.0, abs_tol=1e-9)


@pytest.mark.parametrize(
    "odd",
    [torch.tensor([1.0 + 0.0j]), torch.tensor([1.0]).to_sparse(), {1.0}, {}, "1"],
    ids=["complex", "sparse", "set", "dict", "str"],
)
def test_what_is_not_a_dense_real_tensor_or_a_list_of_numbers_is_never_within(odd: object) -> None:
    expected = torch.ones(0) if odd == {} else torch.tensor([1.0])
    assert relative_error(odd, expected) == math.inf
    assert not within(odd, expected) and not within_tolerance(odd, expected)


def test_lists_and_tuples_of_numbers_compare_like_tensors() -> None:
    assert within([1.0, 2], (1.0, 2.0)) and within_tolerance((1.0, 2.0), [1.0, 2.0])
    assert relative_error([1.0, 3.0], torch.tensor([1.0, 1.0])) == 0.5
    assert not within([True, 1.0], [1.0, 1.0])


def test_a_non_finite_tensor_of_one_element_is_named_without_a_count() -> None:
    with pytest.raises(CheckFailure) as one:
        expect_finite(torch.tensor([math.nan]), "y")
    assert one.value.message == "y returned NaN"
    with pytest.raises(CheckFailure) as two:
        expect_finite(torch.tensor([math.inf, 1.0]), "y")
    assert two.value.message == "y returned inf (1 of 2 elements are not finite)"


def test_a_described_value_is_cut_at_120_characters() -> None:
    with pytest.raises(InvalidAnswer) as refused:
        as_float("x" * 200)
    assert str(refused.value) == "the answer should be a float, got " + ("str '" + "x" * 200)[:120]
    with pytest.raises(InvalidAnswer) as listed:
        as_tensor([1, 2, 3])
    assert str(listed.value) == "the answer should be a tensor, got a list of 3 items"
