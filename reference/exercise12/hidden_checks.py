"""exercise12 hidden checks: a classifier with integer targets and cross-entropy, and the
CPU/GPU agreement of one ADALINE epoch."""

from __future__ import annotations

import torch

from grader.authoring import CheckFailure, InvalidAnswer, Submission, check, reference_answer


@reference_answer
def reference_step(sub: Submission, case: str) -> tuple[float, list[torch.Tensor]]:
    """The reference's train_step on the same set-up, judge-side, on the CPU."""
    probes = sub.exercise.probes
    if probes is None:
        raise RuntimeError("exercise12 needs its probes.py")
    setup = probes.build(case, "cpu")
    with torch.random.fork_rng():
        loss = sub.exercise.reference.train_step(
            setup.model, setup.optimizer, setup.loss, setup.features, setup.targets, "cpu"
        )
    return float(loss), [p.detach().clone() for p in setup.model.parameters()]


@check(points=2)
def hidden_classification_step(sub: Submission) -> None:
    """One cross-entropy step of a small classifier: the loss and the updated parameters."""
    checks = sub.exercise.module("checks")
    report = checks.step_report(sub, "classify")
    loss, params = reference_step(sub, "classify")
    checks.expect_loss(report, loss, "one cross-entropy step")
    checks.expect_parameters(report, params, "one cross-entropy step")


@check(points=0, fact=True)
def hidden_integer_targets_moved_to_device(sub: Submission) -> None:
    """Integer class targets reach the loss on the model's device too."""
    checks = sub.exercise.module("checks")
    target = checks.device_under_test(sub)
    checks.expect_targets_moved(
        checks.step_report(sub, "classify", target), target, f"classifier on {target!r}"
    )


@reference_answer
def reference_epoch(sub: Submission) -> tuple[list[float], list[torch.Tensor]]:
    """The reference's train_step over one ADALINE epoch on the CPU: each loss, final params."""
    probes = sub.exercise.probes
    if probes is None:
        raise RuntimeError("exercise12 needs its probes.py")
    setup = probes.build("adaline", "cpu")
    with torch.random.fork_rng():
        losses = [
            float(
                sub.exercise.reference.train_step(
                    setup.model, setup.optimizer, setup.loss, x, y, "cpu"
                )
            )
            for x, y in probes.minibatches(setup)
        ]
    return losses, [p.detach().clone() for p in setup.model.parameters()]


@check(points=2)
def hidden_adaline_epoch_on_the_device_matches_the_cpu(sub: Submission) -> None:
    """One ADALINE epoch of train_step on the grading device matches the CPU run (to 1e-4).

    On a CUDA run this is the CPU/GPU agreement: every step runs on the GPU and each loss and
    the final parameters are compared with the reference's epoch on the CPU; a model, features
    or targets left off the GPU are named when the values
    do not agree (a device is a fact: it explains, the values decide). On a CPU run it is the
    same comparison on the CPU (device mix-ups are caught there on "meta" by the public checks).
    """
    checks = sub.exercise.module("checks")
    what = f"one ADALINE epoch on {sub.device!r}"
    report = sub.probe("adaline_epoch", sub.device)
    if not isinstance(report, dict):
        raise InvalidAnswer("the probe returned no report")
    losses, params = reference_epoch(sub)
    # the values decide; where they are wrong or missing, the devices the probe saw (facts)
    # say why: a model, features or targets left off the device
    try:
        checks.expect_agreement(report, losses, params, what)
    except (CheckFailure, InvalidAnswer):
        checks.expect_on_device(report, sub.device, what)
        raise
