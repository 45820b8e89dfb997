"""Tests for grader.jail.probing:
the probes' shared watchers see what really ran, and put torch back."""

from __future__ import annotations

import pytest
import torch
from torch.autograd.variable import Variable

from grader.jail import probing


def leaf() -> torch.Tensor:
    return torch.tensor(2.0, requires_grad=True)


def test_autograd_grad_and_backward_are_told_apart() -> None:
    x = leaf()
    with probing.watching_backward_passes() as runs:
        torch.autograd.grad(x * x, x)
        (x * 3).backward()
        torch.autograd.backward(x * 5)
    assert runs == ["grad", "backward", "backward"]
    assert x.grad is not None and x.grad.item() == 8.0  # the passes really ran


def test_higher_order_grad_counts_each_pass() -> None:
    x = leaf()

    def second_derivative() -> None:
        (dx,) = torch.autograd.grad(x**3, x, create_graph=True)
        torch.autograd.grad(dx, x)

    assert probing.count_backward_passes(second_derivative) == {"grad": 2, "backward": 0}


def test_no_pass_without_autograd() -> None:
    assert probing.count_backward_passes(lambda: 3.0 * 2.0) == {"grad": 0, "backward": 0}


def test_engine_is_put_back_even_after_an_error() -> None:
    engine = Variable._execution_engine

    def broken() -> None:
        (leaf() * 2).backward()
        raise ValueError("student code failed")

    with pytest.raises(ValueError, match="student code failed"):
        probing.count_backward_passes(broken)
    assert Variable._execution_engine is engine
    x = leaf()
    (x * 2).backward()  # and autograd still works without the stand-in
    assert x.grad is not None and x.grad.item() == 2.0


def test_device_of_names_tensor_devices_and_other_types() -> None:
    assert probing.device_of(torch.zeros(2)) == "cpu"
    assert probing.device_of(torch.zeros(2, device="meta")) == "meta"
    assert probing.device_of(None) == "NoneType"
    assert probing.device_of([torch.zeros(1)]) == "list"


@pytest.mark.parametrize(
    ("exc", "target", "expected"),
    [
        (RuntimeError("Expected all tensors to be on the same device"), "meta", True),
        (NotImplementedError("aten::item: cannot be called on meta tensors"), "meta", True),
        (RuntimeError("Expected all tensors to be on the same device"), "cpu", False),
        (NotImplementedError("exercise12: move the batch to the device"), "meta", False),
        (MemoryError(), "cuda", False),
        (torch.cuda.OutOfMemoryError("CUDA out of memory."), "cuda:0", False),
        (RuntimeError("CUDA error: out of memory"), "cuda", False),
    ],
)
def test_tolerated_errors(exc: Exception, target: str, expected: bool) -> None:
    assert probing.tolerated(exc, target) is expected


def test_error_fact_records_a_tolerated_error_and_keeps_partial_results() -> None:
    results: list[int] = []
    with probing.ErrorFact("meta") as raised:
        results.append(1)
        torch.zeros(1, device="meta").item()
        results.append(2)
    assert results == [1]
    assert raised.text == "RuntimeError: Tensor.item() cannot be called on meta tensors"


def test_error_fact_is_none_without_an_error_and_cuts_long_messages() -> None:
    with probing.ErrorFact("meta") as quiet:
        pass
    assert quiet.text is None
    with probing.ErrorFact("meta") as long:
        raise ValueError("x" * 1000)
    assert long.text is not None and len(long.text) == probing.ERROR_CHARS


@pytest.mark.parametrize(
    ("exc", "target"),
    [
        (ValueError("student error"), "cpu"),
        (NotImplementedError("exercise12: not done"), "meta"),
        (MemoryError(), "cuda"),
        (KeyboardInterrupt(), "meta"),
    ],
)
def test_error_fact_lets_the_others_through(exc: BaseException, target: str) -> None:
    with pytest.raises(type(exc)), probing.ErrorFact(target):
        raise exc
