"""Tests for grader.authoring.errors: each misconception's real PyTorch error is named, and
errors that only look alike (another class, other text) are not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

from grader.authoring.errors import KNOWN_ERRORS, diagnose_error, diagnose_error_text


def backward_twice() -> None:
    x = torch.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def leaf_update_outside_no_grad() -> None:
    w = torch.ones(2, requires_grad=True)
    w -= 0.1 * torch.ones(2)


def detached_loss() -> None:
    x = torch.ones(2, requires_grad=True)
    (x.detach() * 2).sum().backward()


def data_loss() -> None:
    x = torch.ones(2, requires_grad=True)
    (x.data * 2).sum().backward()


def inplace_after_save() -> None:
    x = torch.ones(2, requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    y.sum().backward()


def grad_of_unused_input() -> None:
    x, z = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    torch.autograd.grad((x * 2).sum(), z)


def softmax_module_with_dim() -> None:
    softmax = nn.Softmax()
    softmax(torch.ones(2, 3), dim=1)


def softmax_module_with_positional_dim() -> None:
    softmax = nn.Softmax()
    softmax(torch.ones(2, 3), 1)


CASES: list[tuple[Callable[[], None], str]] = [
    (backward_twice, "backward_twice"),
    (leaf_update_outside_no_grad, "inplace_leaf_update"),
    (detached_loss, "graph_cut"),
    (data_loss, "graph_cut"),
    (inplace_after_save, "inplace_saved_value"),
    (grad_of_unused_input, "input_not_in_graph"),
    (softmax_module_with_dim, "softmax_module_called_with_dim"),
    (softmax_module_with_positional_dim, "softmax_module_called_with_dim"),
]


@pytest.mark.parametrize(("mistake", "code"), CASES, ids=[c for _, c in CASES])
def test_the_real_error_is_named(mistake: Callable[[], None], code: str) -> None:
    with pytest.raises(Exception) as raised:
        mistake()
    diagnosis = diagnose_error(type(raised.value).__name__, str(raised.value))
    assert diagnosis is not None and diagnosis.code == code
    assert diagnosis.slide and diagnosis.explanation.startswith("Lecture 06")
    text = (
        f"Traceback (most recent call last):\n  ...\n{type(raised.value).__name__}: {raised.value}"
    )
    found = diagnose_error_text(text)
    assert found is not None and found.code == code


@pytest.mark.parametrize("known", KNOWN_ERRORS, ids=[k.diagnosis.code for k in KNOWN_ERRORS])
def test_same_text_from_another_class_or_other_text_is_not_named(known: object) -> None:
    from grader.authoring.errors import KnownError

    assert isinstance(known, KnownError)
    sample = next(str(e) for m, c in CASES if c == known.diagnosis.code for e in [_raise(m)])
    other_kind = "ValueError" if known.kind != "ValueError" else "KeyError"
    assert diagnose_error(other_kind, sample) is None
    assert diagnose_error(known.kind, "something else went wrong") is None
    assert diagnose_error_text(f"{other_kind}: {sample}") is None


def test_correct_code_and_unrelated_errors_get_no_name() -> None:
    assert diagnose_error("RuntimeError", "mat1 and mat2 shapes cannot be multiplied") is None
    assert diagnose_error_text("no error here") is None
    assert diagnose_error_text("") is None


def _raise(mistake: Callable[[], None]) -> BaseException:
    try:
        mistake()
    except Exception as exc:  # noqa: BLE001 - the test wants the error itself
        return exc
    raise AssertionError(f"{mistake.__name__} did not raise")


CUT_GRAPH_RELU = """
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        check = (x.detach() * 2).sum()
        check.backward()  # the detached copy has no graph: PyTorch raises
        return grad_output * (x > 0).to(grad_output.dtype)


def relu(x):
    return ReLU.apply(x)
"""


def test_the_judge_names_the_error_a_submission_raised(engine: Any, registry: Any) -> None:
    """Through a real sandbox: the check's verdict is `error`, and it names the misconception."""
    from grader.judge.scoring import Source, run_exercise

    result = run_exercise(
        engine, registry.get("exercise2"), Source(CUT_GRAPH_RELU.encode(), "exercise2.py")
    )
    errors = [check for check in result.checks if check.status == "error"]
    assert errors, [check.status for check in result.checks]
    assert all(check.diagnosis is not None for check in errors)
    assert {check.diagnosis.code for check in errors if check.diagnosis} == {"graph_cut"}
    public = [check for check in errors if not check.hidden]
    assert public and "graph was cut" in public[0].diagnosis.title  # type: ignore[union-attr]


FORGED_TEXT_RELU = """
import torch


def relu(x):
    raise {kind}("Trying to backward through the graph a second time (or directly access saved "
                 "tensors after they have already been freed)")
"""


def test_an_error_text_chooses_a_name_never_a_verdict(engine: Any, registry: Any) -> None:
    """Through a real sandbox: PyTorch's wording raised by hand scores like any other raise
    (every check `error`, no points); the text only chooses which name is shown, and only for
    the class PyTorch raises it with."""
    from grader.judge.scoring import Source, run_exercise

    results = {
        kind: run_exercise(
            engine,
            registry.get("exercise2"),
            Source(FORGED_TEXT_RELU.format(kind=kind).encode(), "exercise2.py"),
        )
        for kind in ("RuntimeError", "ValueError")
    }
    for result in results.values():
        assert result.score == 0
        assert {check.status for check in result.checks} == {"error"}
    named = {c.diagnosis.code for c in results["RuntimeError"].checks if c.diagnosis}
    assert named == {"backward_twice"}
    assert all(c.diagnosis is None for c in results["ValueError"].checks)
