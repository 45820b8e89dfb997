"""exercise2 public checks: the custom ReLU Function's forward and backward."""

from __future__ import annotations

import torch

from grader.authoring import Diagnosis, Submission, as_tensor, check, diagnose, expect_tensor, fail

INPUT_CHANGED = Diagnosis(
    code="input_modified_in_forward",
    title="forward changes its input in place",
    slide="Lecture 06, computation graphs: relu(x) is a new node",
    explanation="relu(x) is right, but x is changed afterwards: code that reads x again (a "
    "residual connection x + relu(x), another layer using x) sees the zeroed values. Return a "
    "new tensor (x.clamp(min=0), torch.where) and leave x alone.",
)


def explain(got: torch.Tensor, x: torch.Tensor, upstream: torch.Tensor) -> Diagnosis | None:
    """Name the mistake behind a wrong ReLU gradient (shared with the hidden checks)."""
    expected = upstream * (x > 0).to(upstream.dtype)
    local = (x > 0).to(upstream.dtype)
    return (
        diagnose.relu_grad_at_zero(got, expected, x, upstream)
        or diagnose.upstream_ignored(got, expected, local)
        or diagnose.diagnose_gradient(got, expected)
    )


def expect_gradient(sub: Submission, x: torch.Tensor, upstream: torch.Tensor, what: str) -> None:
    """Run the student's backward and compare x.grad with upstream * relu'(x)."""
    report = sub.probe("backward", x, upstream)
    if not isinstance(report, dict):
        fail("the backward probe returned no report")
    grad = report.get("grad")
    if grad is None:
        fail(f"{what}: x.grad is None after backward; does backward return the gradient for x?")
    grad = as_tensor(grad, f"{what}: x.grad", shape=x.shape)
    expected = upstream * (x > 0).to(upstream.dtype)
    expect_tensor(
        grad,
        expected,
        f"{what}: x.grad",
        check_dtype=False,
        diagnosis=explain(grad.to(upstream.dtype), x, upstream),
    )


@check(points=2)
def forward_matches_relu(sub: Submission) -> None:
    """forward returns max(x, 0) elementwise, with the input's shape and dtype, and leaves x
    as it was (x + relu(x), a residual connection, is right)."""
    x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0])
    expect_tensor(sub.probe("forward", x), torch.relu(x), "relu(x)")
    expect_tensor(
        sub.probe("forward_then_reuse", x),
        x + torch.relu(x),
        "x + relu(x) (x read again after relu(x))",
        diagnosis=INPUT_CHANGED,
    )


@check(points=3)
def backward_multiplies_upstream(sub: Submission) -> None:
    """backward multiplies the upstream gradient by relu'(x) (the chain rule)."""
    x = torch.tensor([-1.5, -0.25, 0.75, 2.0], dtype=torch.float64)
    upstream = torch.tensor([0.5, -3.0, 2.0, -1.25], dtype=torch.float64)
    expect_gradient(sub, x, upstream, "relu(x).backward(upstream)")


@check(points=2)
def gradient_at_zero_is_zero(sub: Submission) -> None:
    """relu'(0) = 0: at exactly x = 0 the gradient is not passed through."""
    x = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64)
    upstream = torch.full((3,), 3.0, dtype=torch.float64)
    expect_gradient(sub, x, upstream, "gradient at x = [-1, 0, 1]")


@check(points=0, fact=True)
def grad_output_left_unchanged(sub: Submission) -> None:
    """backward does not modify grad_output in place."""
    x = torch.tensor([-2.0, 1.0, 3.0], dtype=torch.float64)
    upstream = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    report = sub.probe("backward", x, upstream)
    if not isinstance(report, dict):
        fail("the backward probe returned no report")
    if report.get("grad") is None:
        fail("x.grad is None after backward, so backward never returned a gradient for x")
    as_tensor(report["grad"], "x.grad", shape=(3,))
    after = as_tensor(report.get("upstream_after"), "grad_output after backward", shape=(3,))
    if not torch.equal(after.to(upstream.dtype), upstream):  # decided here, not by the probe
        fail(
            "grad_output was modified in place by backward",
            expected=upstream,
            got=after,
            diagnosis=diagnose.grad_output_modified(upstream, after),
        )


@check(points=1)
def keeps_dtype_and_shape(sub: Submission) -> None:
    """A (2, 3) float64 input gives a (2, 3) float64 output."""
    x = torch.tensor([[-1.0, 2.0, -3.0], [4.0, -5.0, 6.0]], dtype=torch.float64)
    expect_tensor(sub.probe("forward", x), torch.relu(x), "relu(x) for a (2, 3) float64 input")
