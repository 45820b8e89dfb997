"""Judge-side expectations: the form of an answer first (invalid), then its value (failed)."""

from __future__ import annotations

import math

import pytest
import torch

from grader.authoring.check import CheckFailure, InvalidAnswer, check, collect, fail
from grader.authoring.expect import (
    FLOAT32_ATOL,
    FLOAT32_RTOL,
    FLOAT64_REL,
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

NON_FINITE = [math.nan, math.inf, -math.inf]


def test_relative_error_follows_the_course_convention() -> None:
    assert relative_error(1.0, 1.0) == 0.0
    assert relative_error(1.0, 3.0) == pytest.approx(0.5)
    assert relative_error(0.0, 1e-9) == pytest.approx(1e-9 / 1e-8)


@pytest.mark.parametrize("value", [None, True, "1.0", [1.0], torch.ones(2)])
def test_as_float_refuses_what_is_not_a_number(value: object) -> None:
    with pytest.raises(InvalidAnswer):
        as_float(value)


def test_as_float_accepts_numbers_and_one_element_tensors() -> None:
    assert as_float(2) == 2.0 and as_float(torch.tensor([2.5])) == 2.5


def test_as_floats_names_tensors_as_the_mistake() -> None:
    with pytest.raises(InvalidAnswer, match=r"\.item\(\)"):
        as_floats([1.0, torch.tensor(2.0)])


def test_as_tensor_checks_shape_and_dtype() -> None:
    with pytest.raises(InvalidAnswer, match="shape"):
        as_tensor(torch.ones(2, 3), shape=(3, 2))
    with pytest.raises(InvalidAnswer, match="dtype"):
        as_tensor(torch.ones(2), dtype=torch.float64)


def test_expect_float_uses_relative_error_in_float64() -> None:
    assert expect_float(1.0 + 1e-12, 1.0) == pytest.approx(1.0)
    with pytest.raises(CheckFailure) as caught:
        expect_float(1.001, 1.0, "dl/dw")
    assert (
        "expected: 1.0" in caught.value.feedback() and "got:      1.001" in caught.value.feedback()
    )
    with pytest.raises(CheckFailure, match="returned NaN"):
        expect_float(math.nan, 1.0)


def test_expect_tensor_float32_uses_assert_close_defaults() -> None:
    expected = torch.tensor([1.0, 2.0])
    expect_tensor(expected + 1e-7, expected)
    with pytest.raises(CheckFailure):
        expect_tensor(expected + 1e-2, expected)


def test_expect_tensor_keeps_dtype_unless_told() -> None:
    expected = torch.tensor([1.0, 2.0], dtype=torch.float64)
    with pytest.raises(InvalidAnswer, match="dtype"):
        expect_tensor(expected.float(), expected)
    expect_tensor(expected.float(), expected, check_dtype=False, rel=1e-6)


def test_checks_are_collected_in_source_order_with_their_docstring() -> None:
    @check(points=2)
    def second(sub: object) -> None:
        """The line students read."""

    @check(points=1)
    def first(sub: object) -> None:
        fail("wrong")

    specs = collect({"b": first, "a": second, "other": 3}, hidden=True)
    assert [s.name for s in specs] == ["second", "first"]
    assert specs[0].title == "The line students read." and specs[0].points == 2 and specs[0].hidden
    with pytest.raises(CheckFailure, match="wrong"):
        specs[1].function(None)  # type: ignore[arg-type]


# ---- fail closed: NaN, infinity, wrong types and shapes are never a pass --------------------


def test_the_course_tolerances_are_pinned() -> None:
    assert FLOAT64_REL == 1e-10
    assert (FLOAT32_RTOL, FLOAT32_ATOL) == (1.3e-6, 1e-5)  # assert_close's float32 defaults


@pytest.mark.parametrize("bad", NON_FINITE)
def test_relative_error_is_never_nan(bad: float) -> None:
    assert relative_error(bad, 1.0) == math.inf and relative_error(1.0, bad) == math.inf
    assert relative_error(torch.tensor([1.0, bad]), torch.tensor([1.0, 2.0])) == math.inf
    assert relative_error(bad, bad) == math.inf


def test_relative_error_refuses_to_broadcast() -> None:
    assert relative_error(torch.ones(3, 1), torch.ones(3)) == math.inf
    assert relative_error(torch.ones(1), torch.ones(3)) == math.inf
    assert relative_error(torch.tensor([2.0]), 2.0) == 0.0  # one element either way is a number
    assert relative_error(torch.ones(0), torch.ones(0)) == 0.0


@pytest.mark.parametrize("bad", [None, True, "1.0", {"a": 1.0}, torch.tensor([True])])
def test_relative_error_of_a_non_number_is_inf(bad: object) -> None:
    assert relative_error(bad, 1.0) == math.inf and not within(bad, 1.0)


def test_float64_tolerance_boundary_on_both_sides() -> None:
    # |a - b| / (|a| + |b|) with a = 1, b = 1 + d is d / (2 + d): d = 1.8e-10 is 0.9e-10.
    just_under, just_over = 1.0 + 1.8e-10, 1.0 + 2.2e-10
    assert relative_error(just_under, 1.0) < FLOAT64_REL < relative_error(just_over, 1.0)
    assert within(just_under, 1.0) and not within(just_over, 1.0)
    assert expect_float(just_under, 1.0) == just_under
    with pytest.raises(CheckFailure, match="is wrong"):
        expect_float(just_over, 1.0)
    expected = torch.tensor([1.0, -2.0], dtype=torch.float64)
    expect_tensor(expected * (1 + 1.8e-10), expected)  # the default rel for float64 is 1e-10
    with pytest.raises(CheckFailure, match="wrong values"):
        expect_tensor(expected * (1 + 2.2e-10), expected)


def test_float64_relative_error_uses_the_floor_near_zero() -> None:
    assert within(0.9e-18, 0.0) and not within(1.1e-18, 0.0)  # 1e-18 / max(1e-8, ...) = 1e-10


def test_float32_tolerance_boundary_on_both_sides() -> None:
    # assert_close's float32 rule: |got - 1| <= 1e-5 + 1.3e-6 * 1 = 1.13e-5.
    expected = torch.tensor([1.0, 1.0])
    just_under = torch.tensor([1.0, 1.0 + 1.05e-5])
    just_over = torch.tensor([1.0, 1.0 + 1.2e-5])
    expect_tensor(just_under, expected)
    with pytest.raises(CheckFailure, match="wrong values"):
        expect_tensor(just_over, expected)
    assert within_tolerance(just_under, expected) and not within_tolerance(just_over, expected)
    assert far_from(just_over, expected).tolist() == [False, True]


@pytest.mark.parametrize("bad", NON_FINITE)
def test_within_tolerance_and_far_from_fail_closed(bad: float) -> None:
    got, expected = torch.tensor([1.0, bad]), torch.tensor([1.0, 2.0])
    assert not within_tolerance(got, expected) and not within_tolerance(expected, got)
    assert not within_tolerance(bad, bad, rtol=1.0, atol=1.0)
    assert far_from(got, expected).tolist() == [False, True]
    assert max_difference(got, expected) == math.inf


@pytest.mark.parametrize(
    ("bad", "word"), [(math.nan, "NaN"), (math.inf, "inf"), (-math.inf, "-inf")]
)
def test_non_finite_answers_fail_and_say_what_they_were(bad: float, word: str) -> None:
    assert non_finite(bad) == word and non_finite(torch.tensor([0.0, bad])) == word
    for attempt in (
        lambda: as_float(bad, "da/dx"),
        lambda: as_float(torch.tensor([bad]), "da/dx"),
        lambda: as_floats([1.0, bad], "da/dx"),
        lambda: expect_float(bad, 1.0, "da/dx"),
        lambda: expect_tensor(torch.tensor([bad, 1.0]), torch.tensor([1.0, 1.0]), "da/dx"),
        lambda: expect_tensor(
            torch.full((2,), bad, dtype=torch.float64), torch.ones(2, dtype=torch.float64), "da/dx"
        ),
        lambda: expect_finite(bad, "da/dx"),
    ):
        with pytest.raises(CheckFailure, match=f"da/dx.*returned {word}"):
            attempt()


def test_non_finite_can_be_read_on_purpose_but_never_compares_equal() -> None:
    assert math.isnan(as_float(math.nan, finite=False))
    assert math.isinf(as_floats([math.inf], finite=False)[0])
    assert not within(math.nan, math.nan) and not within(math.inf, math.inf)


def test_a_nan_expected_value_never_passes() -> None:
    with pytest.raises(CheckFailure):
        expect_tensor(torch.tensor([math.nan]), torch.tensor([math.nan]))
    with pytest.raises(CheckFailure):
        expect_float(1.0, math.nan)


@pytest.mark.parametrize("bad", [None, True, False, "0.5", [0.5], torch.ones(2), torch.tensor(1)])
def test_expect_float_refuses_non_numbers_as_invalid(bad: object) -> None:
    with pytest.raises(InvalidAnswer):
        expect_float(bad, 0.5)


@pytest.mark.parametrize(
    "got",
    [
        torch.ones(1),  # broadcasts against (3,)
        torch.ones(3, 1),  # broadcasts to (3, 3)
        torch.ones(1, 3),
        torch.ones(()),
        torch.ones(0),  # empty where values are due
        [1.0, 1.0, 1.0],
        None,
        1.0,
    ],
)
def test_expect_tensor_enforces_the_exact_shape(got: object) -> None:
    with pytest.raises(InvalidAnswer):
        expect_tensor(got, torch.ones(3))
    with pytest.raises(InvalidAnswer):
        expect_tensor(got, torch.ones(3, dtype=torch.float64), check_dtype=False)


def test_as_tensor_shape_refuses_broadcastable_shapes() -> None:
    with pytest.raises(InvalidAnswer, match="shape"):
        as_tensor(torch.ones(4, 1), shape=(4,))
    with pytest.raises(InvalidAnswer, match="shape"):
        as_tensor(torch.ones(0), shape=(4,))


def _assert_close_says(got: torch.Tensor, expected: torch.Tensor) -> bool:
    try:
        torch.testing.assert_close(got.to(expected.dtype), expected)
    except AssertionError:
        return False
    return True


def _expect_tensor_says(got: torch.Tensor, expected: torch.Tensor) -> bool:
    try:
        expect_tensor(got, expected, check_dtype=False)
    except CheckFailure:
        return False
    return True


INF, NAN = math.inf, math.nan
# (got, expected) pairs on both sides of every default tolerance, and the non-finite cases
CLOSE_CASES = [
    *(  # the absolute tolerance, where the expected value is 0
        (torch.tensor([atol * f], dtype=dtype), torch.tensor([0.0], dtype=dtype))
        for dtype, atol in [(torch.float32, 1e-5), (torch.float16, 1e-5), (torch.bfloat16, 1e-5)]
        for f in (0.9, 1.1)
    ),
    *(  # the relative one, where it is large: float32, and one step either side in float16s
        (torch.tensor([got], dtype=dtype), torch.tensor([expected], dtype=dtype))
        for dtype, got, expected in [
            (torch.float32, 1000.0 * (1 + 1.2e-6), 1000.0),
            (torch.float32, 1000.0 * (1 + 1.4e-6), 1000.0),
            (torch.float16, 1025.0, 1024.0),  # tolerance 1.024
            (torch.float16, 1026.0, 1024.0),
            (torch.bfloat16, 260.0, 256.0),  # tolerance 4.096
            (torch.bfloat16, 262.0, 256.0),
        ]
    ),
    (torch.tensor([INF, 1.0]), torch.tensor([INF, 1.0])),
    (torch.tensor([-INF, 1.0]), torch.tensor([INF, 1.0])),
    (torch.tensor([INF]), torch.tensor([-INF])),
    (torch.tensor([-INF]), torch.tensor([-INF])),
    (torch.tensor([NAN]), torch.tensor([NAN])),
    (torch.tensor([1.0]), torch.tensor([NAN])),
    (torch.tensor([1e38]), torch.tensor([INF])),
    (torch.tensor([2.0 + 1e-5]), torch.tensor([2.0])),  # got float64, expected float32
    (torch.tensor([1, 2, 3]), torch.tensor([1, 2, 3])),  # integers compare exactly
    (torch.tensor([1, 2, 4]), torch.tensor([1, 2, 3])),
    (torch.tensor([1.4, 2.0]), torch.tensor([1, 2])),  # cast to the expected int64 first
    (torch.tensor([True, False]), torch.tensor([True, False])),
    (torch.tensor([True, True]), torch.tensor([True, False])),
    (torch.tensor([1 + 1e-6j]), torch.tensor([1 + 0j], dtype=torch.complex64)),
    (torch.tensor([1 + 1e-3j]), torch.tensor([1 + 0j], dtype=torch.complex64)),
    (torch.tensor([complex(NAN, 0)]), torch.tensor([complex(NAN, 0)])),
    (torch.empty(0, 3), torch.empty(0, 3)),
    (torch.ones(2, 3).t(), torch.ones(3, 2)),  # strides do not matter
]


@pytest.mark.parametrize(("got", "expected"), CLOSE_CASES)
def test_expect_tensor_decides_as_assert_close_does(
    got: torch.Tensor, expected: torch.Tensor
) -> None:
    """The judge computes assert_close's rule itself (no torch.distributed import): same verdict
    on every pair, NaN never equal, an infinity only equal to the same one."""
    assert _expect_tensor_says(got, expected) == _assert_close_says(got, expected)


def test_the_cases_cover_both_verdicts() -> None:
    verdicts = [_assert_close_says(got, expected) for got, expected in CLOSE_CASES]
    assert verdicts.count(True) >= 8 and verdicts.count(False) >= 8
