"""exercise11 hidden checks: another model, optimizer (Adam), shuffled loader and data."""

from __future__ import annotations

import torch

from grader.check import check, fail
from grader.expect import as_floats
from grader.judge import Submission


def reference_losses(sub: Submission, case: str, num_epochs: int) -> list[float]:
    """The reference's train on the same set-up, judge-side, without touching the global RNG."""
    probes = sub.exercise.probes
    assert probes is not None, "exercise11 needs its probes.py"
    setup = probes.build(case, "cpu")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        losses = sub.exercise.reference.train(setup.model, setup.optimizer, setup.loss_fn,
                                              setup.train_loader, num_epochs, device="cpu")
    return [float(v) for v in losses]


@check(points=2)
def hidden_train_other_model(sub: Submission) -> None:
    """Adam on a shuffled loader of another data set gives the reference loss curve."""
    checks = sub.exercise.module("checks")
    report = checks.report_of(sub.probe("train_report", "hidden", 5))
    got = as_floats(report.get("losses"), "the losses train returned", length=5)
    checks.expect_losses(got, reference_losses(sub, "hidden", 5), "train with Adam",
                         checks.explain_training(report))


@check(points=1)
def hidden_evaluate_other_data(sub: Submission) -> None:
    """evaluate gives the right accuracy on another data set with an uneven last batch."""
    sub.exercise.module("checks").expect_accuracy(sub, "hidden", "evaluate on 30 rows")


@check(points=1)
def hidden_train_after_evaluate(sub: Submission) -> None:
    """After evaluate(), train() switches a dropout model back to training mode."""
    checks = sub.exercise.module("checks")
    report = checks.report_of(sub.probe("evaluate_then_train", "hidden_dropout", 1))
    training = checks.flags(report, "training")
    if not training or not all(training):
        fail("after evaluate(), train() ran forward passes in eval mode",
             diagnosis=checks.misconception("eval_mode_in_training", "model.train() is missing",
                                         "Call model.train() at the start of every epoch."))
