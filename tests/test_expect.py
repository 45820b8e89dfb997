"""Judge-side expectations: the form of an answer first (invalid), then its value (failed)."""

from __future__ import annotations

import math

import pytest
import torch

from grader.authoring.check import CheckFailure, InvalidAnswer, check, collect, fail
from grader.authoring.expect import (
    as_float,
    as_floats,
    as_tensor,
    expect_float,
    expect_tensor,
    relative_error,
)


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
    with pytest.raises(CheckFailure, match="nan"):
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
