"""`@reference_answer`: computed once per distinct input, copies out, never the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from grader.authoring import ReferenceView, reference_answer
from grader.authoring import answers as answers_module
from grader.judge.registry import Registry


class FakeSubmission:
    """The shape of a judge handle: an exercise, a device, call and probe (which record)."""

    def __init__(self, exercise: Any, device: str = "cpu") -> None:
        self.exercise, self.device = exercise, device
        self.asked: list[str] = []

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.asked.append(name)
        return torch.zeros(3)

    def probe(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.asked.append(name)
        return {"grad": torch.zeros(3)}


def counted() -> tuple[Any, list[tuple[Any, ...]]]:
    seen: list[tuple[Any, ...]] = []

    @reference_answer
    def doubled(x: torch.Tensor, scale: float = 2.0) -> torch.Tensor:
        seen.append((x, scale))
        return x * scale

    return doubled, seen


def test_the_same_input_is_computed_once() -> None:
    doubled, seen = counted()
    first = doubled(torch.tensor([1.0, 2.0]))
    again = doubled(torch.tensor([1.0, 2.0]))
    assert torch.equal(first, again) and torch.equal(again, torch.tensor([2.0, 4.0]))
    assert len(seen) == 1


@pytest.mark.parametrize(
    "other",
    [
        torch.tensor([1.0, 2.5]),  # another value
        torch.tensor([1.0, 2.0], dtype=torch.float64),  # another dtype
        torch.tensor([[1.0, 2.0]]),  # another shape
        torch.tensor([1.0, 2.0], requires_grad=True),
    ],
)
def test_a_different_input_is_computed_again(other: torch.Tensor) -> None:
    doubled, seen = counted()
    doubled(torch.tensor([1.0, 2.0]))
    doubled(other)
    assert len(seen) == 2


def test_keyword_and_number_types_are_part_of_the_key() -> None:
    doubled, seen = counted()
    x = torch.tensor([1.0])
    doubled(x, scale=2.0)
    doubled(x, scale=2.0)
    doubled(x, scale=2)  # an int is another input than a float of the same value
    doubled(x, 3.0)
    assert [scale for _, scale in seen] == [2.0, 2, 3.0]


def test_nan_inputs_still_hit_the_cache() -> None:
    doubled, seen = counted()
    x = torch.tensor([float("nan")])
    assert torch.isnan(doubled(x, float("nan"))).all()
    assert torch.isnan(doubled(x, float("nan"))).all()
    assert len(seen) == 1


def test_every_caller_gets_its_own_copy() -> None:
    doubled, _ = counted()
    first = doubled(torch.tensor([1.0, 2.0]))
    first.add_(100.0)  # a check that changes its expected value in place
    assert torch.equal(doubled(torch.tensor([1.0, 2.0])), torch.tensor([2.0, 4.0]))


def test_a_submission_argument_is_seen_as_exercise_and_device_only(registry: Registry) -> None:
    exercise = registry.get("exercise2")
    seen: list[Any] = []

    @reference_answer
    def expected(sub: Any, x: torch.Tensor) -> torch.Tensor:
        seen.append(sub)
        return torch.relu(x)

    alice, bob = FakeSubmission(exercise), FakeSubmission(exercise)
    x = torch.tensor([-1.0, 1.0])
    expected(alice, x)
    expected(bob, x)  # another student, the same exercise and input: not computed again
    assert len(seen) == 1
    assert isinstance(seen[0], ReferenceView) and seen[0].exercise is exercise
    expected(FakeSubmission(exercise, device="meta"), x)
    expected(FakeSubmission(registry.get("exercise3")), x)
    assert len(seen) == 3


def test_a_reference_answer_cannot_ask_the_sandbox(registry: Registry) -> None:
    @reference_answer
    def sneaky(sub: Any) -> Any:
        return sub.probe("backward")

    alice = FakeSubmission(registry.get("exercise2"))
    with pytest.raises(TypeError, match="cannot run a probe"):
        sneaky(alice)
    assert alice.asked == []  # so no student's answer can be kept for the next one

    @reference_answer
    def calls(sub: Any) -> Any:
        return sub.call("relu")

    with pytest.raises(TypeError, match="cannot call the submission"):
        calls(alice)
    assert alice.asked == []


def test_an_input_it_cannot_key_runs_every_time() -> None:
    seen: list[int] = []

    @reference_answer
    def sample(gen: torch.Generator) -> float:
        seen.append(1)
        return float(torch.rand(1, generator=gen))

    sample(torch.Generator().manual_seed(0))
    sample(torch.Generator().manual_seed(1))
    assert len(seen) == 2


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answers_module, "MAX_ENTRIES", 3)
    doubled, seen = counted()
    for value in range(5):
        doubled(torch.tensor([float(value)]))
    assert doubled.cache_size() == 3
    doubled(torch.tensor([0.0]))  # the oldest was dropped: computed again
    doubled(torch.tensor([4.0]))  # the newest was kept
    assert len(seen) == 6


def test_a_result_that_cannot_be_copied_is_not_kept() -> None:
    seen: list[int] = []

    @reference_answer
    def in_graph(x: torch.Tensor) -> torch.Tensor:
        seen.append(1)
        return torch.tensor([1.0], requires_grad=True) * x  # not a leaf: no deepcopy

    in_graph(torch.tensor([2.0]))
    in_graph(torch.tensor([2.0]))
    assert len(seen) == 2


def test_the_course_reference_helpers_are_reference_answers(registry: Registry) -> None:
    """The helpers that run the reference for every student (training loops, the Iris split)
    are computed once: a second student's call is a copy, equal to a fresh computation."""
    exercise = registry.get("exercise10")
    hidden = exercise.reference_folder
    assert hidden is not None
    from grader.judge.registry import load_module

    checks = exercise.module("checks")
    module = load_module(hidden / "hidden_checks.py", "grader_course.exercise10.hidden_checks")
    split = checks.load_split(FakeSubmission(exercise), (0, 3), 7)
    first = module.reference_curve(FakeSubmission(exercise), "sgd", split.x_train, split.y_train)
    fresh = module.reference_curve.__wrapped__(
        ReferenceView(exercise, "cpu"), "sgd", split.x_train, split.y_train
    )
    again = module.reference_curve(FakeSubmission(exercise), "sgd", split.x_train, split.y_train)
    assert torch.equal(first, fresh) and torch.equal(again, fresh)
    assert module.reference_curve.cache_size() >= 1
