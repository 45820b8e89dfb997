"""Each comparison at its exact boundary, on numbers float64 holds exactly.

test_expect.py pins the tolerances near their boundaries (a hair inside, a hair outside); these
pin the boundary itself, so `<` and `<=`, `+` and `-`, `*` and `/` in a rule are told apart:
relative error is strict (err < tol, docs/course.md), assert_close's rule is not
(|got - expected| <= atol + rtol * |expected|).
"""

from __future__ import annotations

import math

import pytest
import torch

from grader.authoring.expect import (
    far_from,
    max_difference,
    relative_error,
    within,
    within_tolerance,
)

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
