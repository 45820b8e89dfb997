"""exercise8 hidden checks: other sizes, the second ReLU, and one capture per forward pass."""

from __future__ import annotations

from grader.authoring import Submission, check, fail, same_form

SIZES = (5, 8, 7, 2)


@check(points=1)
def hidden_logits_other_sizes(sub: Submission) -> None:
    """make_sequential(5, 8, 7, 2) gives exercise 7's logits with the same weights."""
    sub.exercise.module("checks").expect_logits(
        sub, SIZES, 880, 9, "model(x) at sizes (5, 8, 7, 2)"
    )


@check(points=1)
def hidden_capture_second_relu(sub: Submission) -> None:
    """capture_activation(model, 3) stores relu(linear_2(relu(linear_1(x))))."""
    public = sub.exercise.module("checks")
    x = public.inputs(881, 6, SIZES[0])
    report = public.run_capture(sub, SIZES, 882, 3, [x])
    public.expect_activation(
        report["items"][0],
        public.make_weights(SIZES, 882),
        x,
        3,
        "the activation captured at index 3",
    )


@check(points=1)
def hidden_one_entry_per_forward(sub: Submission) -> None:
    """Three forward passes append three activations, each the one of its own input."""
    public = sub.exercise.module("checks")
    xs = [public.inputs(seed, n, SIZES[0]) for seed, n in ((883, 4), (884, 1), (885, 3))]
    report = public.run_capture(sub, SIZES, 886, 1, xs)
    # the store's contents decide (one activation per pass, each of its own input); the
    # store's length after each pass is a fact, for the feedback only
    if not same_form(len(report["items"]), len(xs)):
        fail(
            "the store should gain exactly one tensor per forward pass (its length after each "
            f"of the three passes: {report.get('counts')})",
            expected=[1, 2, 3],
            got=report.get("counts"),
        )
    weights = public.make_weights(SIZES, 886)
    for k, (item, x) in enumerate(zip(report["items"], xs, strict=True)):
        public.expect_activation(item, weights, x, 1, f"activation of forward pass {k + 1}")
