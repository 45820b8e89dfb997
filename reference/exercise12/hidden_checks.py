"""exercise12 hidden checks: a classifier with integer targets and cross-entropy."""

from __future__ import annotations

import torch

from grader.check import check
from grader.judge import Submission


def reference_step(sub: Submission, case: str) -> tuple[float, list[torch.Tensor]]:
    """The reference's train_step on the same set-up, judge-side, on the CPU."""
    probes = sub.exercise.probes
    assert probes is not None, "exercise12 needs its probes.py"
    setup = probes.build(case, "cpu")
    with torch.random.fork_rng():
        loss = sub.exercise.reference.train_step(setup.model, setup.optimizer, setup.loss,
                                                 setup.features, setup.targets, "cpu")
    return float(loss), [p.detach().clone() for p in setup.model.parameters()]


@check(points=2)
def hidden_classification_step(sub: Submission) -> None:
    """One cross-entropy step of a small classifier: the loss and the updated parameters."""
    checks = sub.exercise.module("checks")
    report = checks.step_report(sub, "classify")
    loss, params = reference_step(sub, "classify")
    checks.expect_loss(report, loss, "one cross-entropy step")
    checks.expect_parameters(report, params, "one cross-entropy step")


@check(points=1)
def hidden_integer_targets_moved_to_device(sub: Submission) -> None:
    """Integer class targets reach the loss on the model's device too."""
    checks = sub.exercise.module("checks")
    target = checks.device_under_test(sub)
    checks.expect_targets_moved(checks.step_report(sub, "classify", target), target,
                                f"classifier on {target!r}")
