"""exercise9 public checks: cross-entropy on logits (Lecture 06, slides 34-37, the cheatsheet).

Expected values come from torch.nn.functional on the judge's side, at docs/course.md's fixture
(float32, `assert_close` tolerances) or at seeded inputs. A wrong loss is compared with the
usual mistakes: cross_entropy or nll_loss fed softmax probabilities, a sum where the mean
belongs, sigmoid followed by binary_cross_entropy.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from grader.authoring import (
    Diagnosis,
    InvalidAnswer,
    Submission,
    as_tensor,
    check,
    diagnose,
    expect_tensor,
    fact,
    fail,
    non_finite,
    within_tolerance,
)

SLIDES = "Lecture 06, slides 34-37 and the loss-function cheatsheet"
REDUCE = {"mean": torch.mean, "sum": torch.sum, "none": lambda t: t}


def lecture_batch() -> tuple[torch.Tensor, torch.Tensor]:
    """docs/course.md's four examples with three classes: logits Z and targets y."""
    z = torch.tensor(
        [[-0.3, -0.5, -0.5], [-0.4, -0.1, -0.5], [-0.3, -0.94, -0.5], [-0.99, -0.88, -0.5]]
    )
    return z, torch.tensor([0, 1, 2, 2])


def as_loss(value: object, what: str, shape: tuple[int, ...]) -> torch.Tensor:
    """A floating tensor of the given shape; a one-element tensor counts as a scalar."""
    if not isinstance(value, torch.Tensor):
        raise InvalidAnswer(
            f"{what} should be a tensor (so that .backward() works), got {type(value).__name__}"
        )
    if shape == () and value.numel() == 1:
        value = value.reshape(())
    return as_tensor(value, what, shape=shape)


def expect_multiclass(
    sub: Submission, z: torch.Tensor, y: torch.Tensor, reduction: str | None, what: str
) -> None:
    """The student's loss for (z, y) equals F.cross_entropy's with that reduction."""
    args = (z, y) if reduction is None else (z, y, reduction)
    reduction = reduction or "mean"
    expected = F.cross_entropy(z, y, reduction=reduction)
    got = sub.call("multiclass_loss", *args)
    if reduction == "none" and isinstance(got, torch.Tensor) and got.numel() == 1:
        fail(
            f"{what}: reduction='none' should give one loss per example, shape {tuple(y.shape)}; "
            f"got a single number",
            expected=expected,
            got=got,
            diagnosis=_reduction_ignored(),
        )
    value = as_loss(got, what, tuple(expected.shape))
    expect_tensor(
        value,
        expected,
        what,
        check_dtype=False,
        diagnosis=explain_multiclass(value, z, y, expected),
    )


def explain_multiclass(
    got: torch.Tensor, z: torch.Tensor, y: torch.Tensor, expected: torch.Tensor
) -> Diagnosis | None:
    """Loss fed probabilities, log(softmax) underflowing, or a sum where the mean belongs."""
    if not bool(torch.isfinite(got).all()):
        return Diagnosis(
            code="log_of_softmax",
            title="log(softmax(z)) underflows to log(0)",
            explanation="Softmax of a logit far below the largest one is exactly 0 in floating "
            "point, and log(0) = -inf. F.cross_entropy / F.log_softmax compute "
            "z - logsumexp(z) instead, 'more stable than log(softmax(logits))' (slide 37).",
            slide=SLIDES,
            evidence=f"logits {_spread(z)} apart give a loss of {got.flatten()[0].item()}",
        )
    return diagnose.loss_on_probabilities(got, z, y) or _sum_or_mean(got, expected, len(y))


def explain_logits_gradient(
    got: torch.Tensor, z: torch.Tensor, y: torch.Tensor, expected: torch.Tensor
) -> Diagnosis | None:
    """dL/dz as a loss on probabilities would give it, or a factor such as the batch size."""
    for name, loss in (("cross_entropy", F.cross_entropy), ("nll_loss", F.nll_loss)):
        leaf = z.detach().double().requires_grad_(True)
        (wrong,) = torch.autograd.grad(loss(torch.softmax(leaf, dim=1), y), leaf)
        if diagnose.is_close(got.double(), wrong):
            return Diagnosis(
                code="loss_on_probabilities",
                title=f"the gradient of {name} on softmax probabilities",
                explanation="The loss was computed from probabilities instead of logits; its "
                "gradient is not softmax(z) - onehot(y). F.cross_entropy takes the logits.",
                slide=SLIDES,
                evidence="dL/dz[0] = [" + ", ".join(f"{v:.4g}" for v in got[0].tolist()) + "]",
            )
    return diagnose.diagnose_gradient(got, expected, batch_size=len(y))


def _spread(z: torch.Tensor) -> str:
    return f"{(z.max(dim=1).values - z.min(dim=1).values).max().item():g}"


def binary_expected(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(z, y)


def expect_binary(sub: Submission, z: torch.Tensor, y: torch.Tensor, what: str) -> None:
    """The student's binary_loss equals binary_cross_entropy_with_logits (mean)."""
    expected = binary_expected(z, y)
    value = as_loss(sub.call("binary_loss", z, y), what, ())
    found = non_finite(value)
    if found is not None:
        fail(
            f"{what} returned {found}, not a finite number",
            expected=expected,
            got=value,
            diagnosis=explain_binary(value, z, y),
        )
    expect_tensor(value, expected, what, check_dtype=False, diagnosis=explain_binary(value, z, y))


def explain_binary(got: torch.Tensor, z: torch.Tensor, y: torch.Tensor) -> Diagnosis | None:
    """sigmoid then log (by hand or with F.binary_cross_entropy), or a sum for the mean."""
    if not torch.isfinite(got):
        return _through_probabilities(
            "log(sigmoid(z)) or log(1 - sigmoid(z)) became -inf", "the loss is not finite"
        )
    clamped = F.binary_cross_entropy(torch.sigmoid(z), y)
    if diagnose.is_close(got.double(), clamped.double()) and not diagnose.is_close(
        clamped.double(), binary_expected(z, y).double()
    ):
        return _through_probabilities(
            "F.binary_cross_entropy clamps log(0) at -100",
            f"the loss comes out as {got.item():.6g}, as sigmoid then binary_cross_entropy gives",
        )
    return _sum_or_mean(got, binary_expected(z, y), len(y))


def _through_probabilities(what_happens: str, evidence: str) -> Diagnosis:
    return Diagnosis(
        code="loss_on_probabilities",
        title="the binary loss goes through sigmoid probabilities",
        explanation="In float32 sigmoid(50) is exactly 1.0, so log(1 - sigmoid(50)) = log(0): "
        f"{what_happens}. Work from the logits, as F.binary_cross_entropy_with_logits does "
        "(log sigmoid(z) = -softplus(-z)).",
        slide=SLIDES,
        evidence=evidence,
    )


def _sum_or_mean(got: torch.Tensor, expected: torch.Tensor, n: int) -> Diagnosis | None:
    found = diagnose.constant_factor(got, expected, batch_size=n)
    if found is None or found.code != "constant_factor":
        return found
    ratio = got.double().sum().item() / expected.double().sum().item()
    if not (
        within_tolerance(ratio, n, rtol=1e-4, atol=0.0)
        or within_tolerance(ratio, 1 / n, rtol=1e-4, atol=0.0)
    ):
        return found
    return Diagnosis(
        code="sum_vs_mean",
        title="a sum where the mean belongs" if ratio > 1 else "a mean where the sum belongs",
        explanation="reduction='mean' averages the per-example losses (PyTorch's default), "
        "'sum' adds them; the two differ by the batch size N, and so do the gradients, which "
        "changes the effective learning rate.",
        slide=SLIDES,
        evidence=f"with N = {n} the loss is {ratio:.6g} times the expected one",
    )


def _reduction_ignored() -> Diagnosis:
    return Diagnosis(
        code="reduction_ignored",
        title="the reduction argument is ignored",
        explanation="reduction='none' keeps one loss per example; 'mean' and 'sum' reduce them "
        "to one number. Pass it on to F.cross_entropy(..., reduction=reduction).",
        slide=SLIDES,
        evidence="multiclass_loss(Z, y, 'none') returned one number for 4 examples",
    )


@check(points=2)
def per_example_losses(sub: Submission) -> None:
    """reduction='none' on the cheatsheet's batch gives [0.9698, 0.8801, 1.0527, 0.8314]."""
    expect_multiclass(sub, *lecture_batch(), "none", "multiclass_loss(Z, y, reduction='none')")


@check(points=1)
def mean_is_the_default(sub: Submission) -> None:
    """Without a reduction argument the loss is the batch mean, 0.933505 (not 1.0395, -0.3946)."""
    expect_multiclass(sub, *lecture_batch(), None, "multiclass_loss(Z, y)")


@check(points=1)
def sum_reduction(sub: Submission) -> None:
    """reduction='sum' on the cheatsheet's batch gives 3.734019."""
    expect_multiclass(sub, *lecture_batch(), "sum", "multiclass_loss(Z, y, reduction='sum')")


DISCONNECTED = Diagnosis(
    code="loss_disconnected",
    title="the loss is not connected to the logits",
    explanation="The loss was computed outside autograd (.item(), .tolist(), .detach(), numpy, "
    "or re-wrapped with torch.tensor(...)), so loss.backward() sends no gradient to the "
    "logits and cannot train anything: a loss is for backpropagating (slides 34-35).",
    slide=SLIDES,
)


def reached_gradient(
    report: object, what: str, shape: tuple[int, ...]
) -> tuple[torch.Tensor, str, Diagnosis | None]:
    """The gradient a gradient probe's loss sent to the logits, and how to name it.

    A loss that does not require grad (the probe's `connected`, a fact) sends the logits no
    gradient: zeros, which the value comparison that follows then fails, naming the cause.
    """
    if not isinstance(report, dict):
        raise InvalidAnswer("the gradient probe sent back no report")
    if not fact(report, "connected", bool):
        diagnosis = DISCONNECTED.model_copy(
            update={"evidence": f"the returned {report.get('type')} has no grad_fn"}
        )
        reason = f" ({what} does not require grad: loss.backward() cannot reach the logits)"
        return torch.zeros(shape), f"dL/dlogits{reason}", diagnosis
    return as_tensor(report.get("grad"), "dL/dlogits", shape=shape), "dL/dlogits", None


@check(points=3)
def gradient_reaches_logits(sub: Submission) -> None:
    """loss.backward() reaches the logits: dL/dz = (softmax(z) - onehot(y)) / N for the mean."""
    z, y = lecture_batch()
    expected = (torch.softmax(z, dim=1) - F.one_hot(y, 3)) / len(y)
    report = sub.probe("logits_gradient", z, y, "mean")
    grad, what, disconnected = reached_gradient(report, "multiclass_loss", tuple(expected.shape))
    expect_tensor(
        grad,
        expected,
        what,
        check_dtype=False,
        diagnosis=disconnected or explain_logits_gradient(grad, z, y, expected),
    )


@check(points=2)
def binary_gradient_reaches_logits(sub: Submission) -> None:
    """binary_loss backpropagates to the logits: dL/dz = (sigmoid(z) - y) / N."""
    z = torch.tensor([-1.2, 0.3, 2.0, -0.4, 0.9])
    y = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.0])
    expected = (torch.sigmoid(z) - y) / len(y)
    report = sub.probe("binary_gradient", z, y)
    grad, what, disconnected = reached_gradient(report, "binary_loss", tuple(expected.shape))
    expect_tensor(
        grad,
        expected,
        what,
        check_dtype=False,
        diagnosis=disconnected or diagnose.diagnose_gradient(grad, expected, batch_size=len(y)),
    )


@check(points=1)
def mean_loss_finite_for_far_apart_logits(sub: Submission) -> None:
    """The mean loss is finite and right when a true class's logit is 120 below the best."""
    z = torch.tensor([[60.0, -60.0, 0.0], [1.0, 2.0, 3.0]])
    y = torch.tensor([1, 2])
    expect_multiclass(sub, z, y, "mean", "multiclass_loss for logits 120 apart")


@check(points=1)
def binary_loss_value(sub: Submission) -> None:
    """binary_loss equals F.binary_cross_entropy_with_logits (mean) at moderate logits."""
    z = torch.tensor([-1.2, 0.3, 2.0, -0.4, 0.9])
    y = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.0])
    expect_binary(sub, z, y, "binary_loss(z, y)")


@check(points=1)
def binary_loss_finite_at_50(sub: Submission) -> None:
    """binary_loss is finite and right at logits +-50: [50, -50, 50, -50] vs [0, 1, 1, 0] is 25."""
    z = torch.tensor([50.0, -50.0, 50.0, -50.0])
    y = torch.tensor([0.0, 1.0, 1.0, 0.0])
    expect_binary(sub, z, y, "binary_loss at logits +-50")
