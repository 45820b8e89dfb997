"""exercise7 hidden checks: other layer sizes and inputs, and logits that overflow a naive exp."""

from __future__ import annotations

import torch

from grader.authoring import Submission, check, expect_tensor, fail

SIZES = (7, 9, 8, 4)  # all different, so parameters are still recognised by shape


@check(points=0, fact=True)
def hidden_parameters_other_sizes(sub: Submission) -> None:
    """MultilayerPerceptron(7, 9, 8, 4) registers the six tensors of its three layers."""
    public = sub.exercise.module("checks")
    report = sub.probe("parameters", list(SIZES), public.SEED + 1)
    public.expect_parameters(public.read_parameters(report), SIZES)


@check(points=2)
def hidden_logits_other_sizes(sub: Submission) -> None:
    """The logits of MultilayerPerceptron(7, 9, 8, 4) come from its own three layers."""
    public = sub.exercise.module("checks")
    public.expect_logits(
        sub, SIZES, public.inputs(72, 11, SIZES[0]), "logits at sizes (7, 9, 8, 4)"
    )


@check(points=2)
def hidden_probas_large_logits(sub: Submission) -> None:
    """probas stay finite and sum to 1 per row when the logits are in the hundreds."""
    public = sub.exercise.module("checks")
    x = public.inputs(77, 10, SIZES[0], scale=1000.0)
    _, logits, probas = public.run_forward(sub, SIZES, x)
    if not torch.isfinite(probas).all():
        rows = int((~torch.isfinite(probas)).any(dim=1).sum())
        fail(
            f"probas hold NaN or Inf in {rows} of 10 rows for logits up to "
            f"{logits.abs().max().item():.0f}: exp(z) overflows float32 above z = 88; subtract "
            "each row's maximum first, or use torch.softmax, which does",
            got=probas,
        )
    expect_tensor(
        probas,
        torch.softmax(logits, dim=1),
        "probas for large logits",
        check_dtype=False,
        diagnosis=public.explain_probas(probas, logits),
    )
