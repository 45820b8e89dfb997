"""exercise11 hidden checks: another model, optimizer (Adam), shuffled loader and data, and
the CPU/GPU agreement of one epoch."""

from __future__ import annotations

import torch

from grader.authoring import (
    CheckFailure,
    InvalidAnswer,
    Submission,
    as_floats,
    check,
    reference_answer,
)


@reference_answer
def reference_losses(sub: Submission, case: str, num_epochs: int) -> list[float]:
    """The reference's train on the same set-up, judge-side, without touching the global RNG."""
    probes = sub.exercise.probes
    if probes is None:
        raise RuntimeError("exercise11 needs its probes.py")
    setup = probes.build(case, "cpu")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        losses = sub.exercise.reference.train(
            setup.model,
            setup.optimizer,
            setup.loss_fn,
            setup.train_loader,
            num_epochs,
            device="cpu",
        )
    return [float(v) for v in losses]


@check(points=3)
def hidden_train_other_model(sub: Submission) -> None:
    """Adam on a shuffled loader of another data set gives the reference loss curve."""
    checks = sub.exercise.module("checks")
    report = checks.report_of(sub.probe("train_report", "hidden", 5))
    got = as_floats(report.get("losses"), "the losses train returned", length=5)
    checks.expect_losses(
        got, reference_losses(sub, "hidden", 5), "train with Adam", checks.explain_training(report)
    )


@check(points=1)
def hidden_evaluate_other_data(sub: Submission) -> None:
    """evaluate gives the right accuracy on another data set with an uneven last batch."""
    sub.exercise.module("checks").expect_accuracy(sub, "hidden", "evaluate on 30 rows")


@check(points=0, fact=True)
def hidden_train_after_evaluate(sub: Submission) -> None:
    """After evaluate(), train() switches a dropout model back to training mode."""
    checks = sub.exercise.module("checks")
    report = checks.report_of(sub.probe("evaluate_then_train", "hidden_dropout", 1))
    checks.expect_training_mode(report, "a dropout model trained right after evaluate()")


@reference_answer
def reference_epoch(sub: Submission, case: str) -> tuple[list[float], list[torch.Tensor]]:
    """One epoch of the reference's train on the CPU: its losses and final parameters."""
    probes = sub.exercise.probes
    if probes is None:
        raise RuntimeError("exercise11 needs its probes.py")
    setup = probes.build(case, "cpu")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        losses = sub.exercise.reference.train(
            setup.model, setup.optimizer, setup.loss_fn, setup.train_loader, 1, device="cpu"
        )
    return [float(v) for v in losses], [p.detach().clone() for p in setup.model.parameters()]


@check(points=1)
def hidden_one_epoch_on_the_device_matches_the_cpu(sub: Submission) -> None:
    """One epoch on the grading device gives the CPU run's loss and parameters (to 1e-4).

    On a CUDA run this is the CPU/GPU agreement: the epoch runs on the GPU and is compared with
    the reference's epoch on the CPU; a model, features or targets left off the GPU are named
    when the values do not agree (a device is a fact: it explains, the values decide). On a
    CPU run it is the same comparison on the CPU (device mix-ups are shown there on "meta" by
    moves_each_batch_to_the_device, as feedback).
    """
    checks = sub.exercise.module("checks")
    what = f"one epoch on {sub.device!r}"
    report = checks.report_of(sub.probe("device_epoch", "hidden", sub.device))
    losses, params = reference_epoch(sub, "hidden")
    # the values decide; where they are wrong or missing, the devices the probe saw (facts)
    # say why: a model, features or targets left off the device
    try:
        checks.expect_agreement(report, losses, params, what)
    except (CheckFailure, InvalidAnswer):
        checks.expect_on_device(report, sub.device, what)
        raise
