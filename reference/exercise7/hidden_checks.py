"""exercise7 hidden checks: other layer sizes and inputs, and logits that overflow a naive exp."""

from __future__ import annotations

import torch

from grader.authoring import Diagnosis, Submission, check, expect_tensor

SIZES = (7, 9, 8, 4)  # all different, so parameters are still recognised by shape
OVERFLOW = Diagnosis(
    code="softmax_overflow",
    title="softmax overflows for large logits",
    explanation="exp(z) overflows float32 above z = 88, and inf / inf is NaN; subtract each "
    "row's maximum before exp, or use torch.softmax, which does.",
    slide="Lecture 06, slides 31 and 39-40",
)


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
        sub,
        SIZES,
        public.inputs(72, 11, SIZES[0]),
        "logits at sizes (7, 9, 8, 4)",
        public.judge_weights(SIZES, 72),
    )


@check(points=2)
def hidden_probas_large_logits(sub: Submission) -> None:
    """probas stay finite and sum to 1 per row when some logits are past 88 (exp overflows)."""
    public = sub.exercise.module("checks")
    # whole-number weights and inputs: the judge's logits (up to 1224) are exact in
    # float32 on every device, so softmax of them is the answer to the last bit
    weights = public.integer_weights(SIZES, 77)
    x = public.inputs(77, 10, SIZES[0]).round().abs()
    logits = public.layer_logits(weights, x)
    _, probas, registered = public.run_forward(sub, SIZES, x, weights)
    diagnosis = (
        public.explain_probas(probas, logits) or public._unregistered(registered)
        if torch.isfinite(probas).all()
        else OVERFLOW.model_copy(
            update={
                "evidence": f"probas hold NaN or Inf in "
                f"{int((~torch.isfinite(probas)).any(dim=1).sum())} of 10 rows"
            }
        )
    )
    # a NaN or Inf in probas fails here too ("returned NaN"), with the overflow named
    expect_tensor(
        probas,
        torch.softmax(logits, dim=1),
        "probas for large logits",
        check_dtype=False,
        diagnosis=diagnosis,
    )
