"""Tests for grader.probing: the probes' shared watchers see what really ran, and put torch back."""

from __future__ import annotations

import pytest
import torch
from torch.autograd.variable import Variable

from grader import probing


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
