"""exercise11 public checks: the training loop and the evaluation step of slide 35.

Value checks run on the grading device (`sub.device`: the CPU, or CUDA when graded there).
The device check needs a device other than the CPU: on a CPU-only machine it uses "meta"
(tensors without data, where mixing devices raises just as on a GPU); on CUDA, CUDA itself.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.authoring import (
    Diagnosis,
    InvalidAnswer,
    Submission,
    as_float,
    as_floats,
    as_tensor,
    check,
    count,
    diagnose,
    error_text,
    fail,
    max_difference,
    reference_answer,
    report_of,
    within_tolerance,
)

# train(...) on the "blobs" set-up (probes.build), 4 epochs of SGD(lr=0.5): each epoch's mean
# of its three batch losses, as torch 2.13 computes them in float32.
BLOBS_LOSSES = (0.99370927, 0.60921725, 0.45361601, 0.39960934)
SLIDE = "Lecture 06, slide 35 (PyTorch usage, step 3: training)"


def misconception(code: str, title: str, text: str, evidence: str = "") -> Diagnosis:
    return Diagnosis(code=code, title=title, explanation=text, slide=SLIDE, evidence=evidence)


ACCUMULATED = misconception(
    "accumulated_gradients",
    "gradients accumulate across steps (zero_grad is missing)",
    "loss.backward() adds to .grad; call optimizer.zero_grad() once per step, before backward, "
    "or every step also applies all the earlier batches' gradients.",
)
MODEL_NOT_MOVED = misconception(
    "model_not_on_device",
    "the model is not on the device",
    'The model arrives on `device` with its optimizer; leave it there (no model.to("cpu"), no '
    "copy) and bring every batch to it, never the model to the data.",
)
FEATURES_NOT_MOVED = misconception(
    "features_not_on_device",
    "the features are not moved to the device",
    "The parameters live on the device; features = features.to(device) before the forward pass.",
)
TARGETS_NOT_MOVED = misconception(
    "targets_not_on_device",
    "the targets are not moved to the device",
    "The model's output is on the device, the targets are still on the CPU; "
    "targets = targets.to(device) as well as features = features.to(device).",
)
AGREEMENT = 1e-4  # CPU vs GPU: absolute and relative tolerance of losses and parameters
CLEARED_TOO_EARLY = misconception(
    "zero_grad_before_step",
    "zero_grad between backward and step",
    "optimizer.zero_grad() after loss.backward() throws the new gradients away, so "
    "optimizer.step() has nothing to apply and the parameters never change.",
)


def flags(report: dict[str, Any], key: str) -> list[bool]:
    value = report.get(key)
    if not isinstance(value, list) or not all(isinstance(v, bool) for v in value):
        raise InvalidAnswer(f"the probe's `{key}` is missing")
    return value


def training_passes(report: dict[str, Any]) -> list[bool]:
    """Training mode of each training forward pass: one run with grad enabled whose output a
    gradient flowed back into. Evaluation passes inside train() (eval() + no_grad() at the end
    of an epoch, as slide 35 does) are not training passes, whatever their mode."""
    training = flags(report, "training")
    enabled = flags(report, "grad_enabled")
    backpropagated = flags(report, "backpropagated")
    if not len(training) == len(enabled) == len(backpropagated):
        raise InvalidAnswer("the probe's forward-pass facts do not line up")
    return [t for t, e, b in zip(training, enabled, backpropagated, strict=True) if e and b]


EVAL_MODE_IN_TRAINING = misconception(
    "eval_mode_in_training",
    "model.train() is missing",
    "evaluate() leaves the model in eval mode, where dropout is off; call "
    "model.train() at the start of every epoch, as slide 35 does.",
)


def expect_training_mode(report: dict[str, Any], evidence: str) -> None:
    """Every backpropagated forward pass ran with the model and all submodules in train mode."""
    training = training_passes(report)
    if not training:
        fail("train() never backpropagated a forward pass of the model")
    if len(training) < count(report, "steps"):
        fail(
            f"the probe saw {count(report, 'steps')} optimizer steps but only {len(training)} "
            "forward passes that a gradient flowed back into: its hooks were removed or bypassed"
        )
    if not all(training):
        fail(
            f"{training.count(False)} of {len(training)} training forward passes (passes whose "
            "loss was backpropagated) ran with the model or a submodule in eval mode",
            diagnosis=EVAL_MODE_IN_TRAINING.model_copy(update={"evidence": evidence}),
        )


def explain_training(report: dict[str, Any]) -> Diagnosis | None:
    """What the recorded hooks say went wrong in a training loop, if anything."""
    steps = count(report, "steps")
    if steps == 0:
        return misconception(
            "no_step",
            "optimizer.step() is never called",
            "backward() only computes gradients; step() applies them.",
        )
    if count(report, "empty_steps") > 0:
        return CLEARED_TOO_EARLY.model_copy(
            update={
                "evidence": f"{count(report, 'empty_steps')} of {steps} steps found no gradient"
            }
        )
    if count(report, "stale_backwards") > 0:
        return ACCUMULATED.model_copy(
            update={
                "evidence": f"{count(report, 'stale_backwards')} of {count(report, 'backwards')} "
                "parameter gradients arrived on top of an old one"
            }
        )
    return None


def expect_losses(
    got: list[float], expected: list[float], what: str, diagnosis: Diagnosis | None = None
) -> None:
    """Per-epoch losses within float32 tolerance (assert_close defaults)."""
    for epoch, (g, e) in enumerate(zip(got, expected, strict=True)):
        if not within_tolerance(g, e):
            fail(
                f"{what}: the loss of epoch {epoch + 1} is {g:.6f}, expected {e:.6f}",
                expected=[round(v, 6) for v in expected],
                got=[round(v, 6) for v in got],
                diagnosis=diagnosis,
            )


@reference_answer
def batch_losses(sub: Submission, case: str) -> list[float]:
    """Each training batch's loss at the initial parameters (judge-side, no training)."""
    probes = sub.exercise.probes
    if probes is None:
        raise RuntimeError("exercise11 needs its probes.py")
    setup = probes.build(case, "cpu")
    with torch.no_grad():
        return [setup.loss_fn(setup.model(x), y).item() for x, y in setup.train_loader]


def explain_epoch_loss(got: float, batches: list[float]) -> Diagnosis | None:
    """The epoch loss is the sum, or only the last batch's loss, instead of the mean."""
    if within_tolerance(got, sum(batches), rtol=1e-5, atol=0.0):
        return misconception(
            "sum_not_mean",
            "the epoch loss is the sum of the batch losses",
            "Divide by the number of batches: the mean does not grow with N.",
            f"{len(batches)} batches: mean {sum(batches) / len(batches):.6f}, "
            f"sum {sum(batches):.6f}",
        )
    if within_tolerance(got, batches[-1], rtol=1e-5, atol=0.0):
        return misconception(
            "last_batch_only",
            "only the last batch's loss is kept",
            "Collect every batch's loss.item() and average them per epoch.",
        )
    return None


@reference_answer
def expected_accuracy(sub: Submission, case: str) -> tuple[float, list[float]]:
    """Accuracy of argmax(logits) over the whole loader, and the per-batch accuracies."""
    probes = sub.exercise.probes
    if probes is None:
        raise RuntimeError("exercise11 needs its probes.py")
    setup = probes.build(case, "cpu")
    setup.model.eval()
    hits: list[torch.Tensor] = []
    with torch.no_grad():
        for x, y in setup.eval_loader:
            hits.append((setup.model(x).argmax(dim=1) == y).double())
    per_batch = [h.mean().item() for h in hits]
    return torch.cat(hits).mean().item(), per_batch


def expect_accuracy(sub: Submission, case: str, what: str) -> None:
    report = report_of(sub.probe("evaluate_report", case, 1))
    accuracies = report.get("accuracies")
    if not isinstance(accuracies, list) or len(accuracies) != 1:
        raise InvalidAnswer("the evaluation probe returned no accuracy")
    got = as_float(accuracies[0], "evaluate(...)")
    expected, per_batch = expected_accuracy(sub, case)
    if not within_tolerance(got, expected, rtol=0.0, atol=1e-6):
        fail(
            f"{what}: evaluate returned {got:.6g}, expected {expected:.6g}",
            expected=expected,
            got=got,
            diagnosis=explain_accuracy(got, expected, per_batch),
        )


def explain_accuracy(got: float, expected: float, per_batch: list[float]) -> Diagnosis | None:
    if within_tolerance(got, 100 * expected, rtol=0.0, atol=1e-4):
        return misconception(
            "percent",
            "the accuracy is a percentage",
            "Return a fraction in [0, 1]: correct / total, not 100 * that.",
        )
    mean_of_batches = sum(per_batch) / len(per_batch)
    if within_tolerance(got, mean_of_batches, rtol=0.0, atol=1e-6) and not within_tolerance(
        mean_of_batches, expected, rtol=0.0, atol=1e-6
    ):
        return misconception(
            "mean_of_batch_accuracies",
            "the per-batch accuracies are averaged",
            "The last batch is smaller, so the mean of batch accuracies weights its "
            "rows more; count correct predictions and rows over the whole loader.",
        )
    return None


@check(points=2)
def epoch_loss_is_mean_of_batch_losses(sub: Submission) -> None:
    """Each epoch's loss is the mean of that epoch's batch losses (checked with lr = 0)."""
    report = report_of(sub.probe("train_report", "blobs", 2, 0.0))
    got = as_floats(report.get("losses"), "the losses train returned", length=2)
    batches = batch_losses(sub, "blobs")
    mean = sum(batches) / len(batches)
    expect_losses(got, [mean, mean], "with lr = 0", explain_epoch_loss(got[0], batches))


@check(points=4)
def trains_like_the_reference(sub: Submission) -> None:
    """Four epochs of SGD on the blobs set-up give the reference loss curve."""
    report = report_of(sub.probe("train_report", "blobs", 4))
    got = as_floats(report.get("losses"), "the losses train returned", length=4)
    expect_losses(got, list(BLOBS_LOSSES), "train, 4 epochs", explain_training(report))


@check(points=0, fact=True)
def each_step_uses_fresh_gradients(sub: Submission) -> None:
    """zero_grad once per step, before backward: every step applies this batch's gradient only."""
    report = report_of(sub.probe("train_report", "blobs", 2))
    diagnosis = explain_training(report)
    if diagnosis is not None:
        fail(f"the recorded steps show: {diagnosis.title}", diagnosis=diagnosis)
    if count(report, "steps") != 6:
        fail(f"2 epochs of 3 batches should take 6 optimizer steps, took {report['steps']}")
    if count(report, "backwards") != 6 * count(report, "parameters"):
        fail(
            "the probe saw "
            f"{report['backwards']} parameter gradients arrive for 6 steps of "
            f"{report['parameters']} parameters: its hooks were removed or bypassed"
        )
    # The facts above come from inside the sandbox; the losses are the behaviour they explain.
    got = as_floats(report.get("losses"), "the losses train returned", length=2)
    expect_losses(got, list(BLOBS_LOSSES[:2]), "train, 2 epochs")


@check(points=0, fact=True)
def no_graph_kept_across_steps(sub: Submission) -> None:
    """train keeps no earlier step's graph alive: the logged loss is a number (loss.item())."""
    report = report_of(sub.probe("train_report", "blobs", 2))
    kept = count(report, "graphs_kept")
    if kept:
        fail(
            f"while train ran, the graphs of {kept} earlier steps' losses were still alive when "
            "a new loss was computed: the loop holds on to loss tensors",
            expected={"graphs_kept": 0},
            got={"graphs_kept": kept},
            diagnosis=diagnose.graph_kept_alive(True),
        )


@check(points=0, fact=True)
def train_mode_during_training(sub: Submission) -> None:
    """train() puts the model in training mode in every epoch, even when an evaluation left it
    in eval mode."""
    report = report_of(sub.probe("train_report", "dropout", 2, None, True))
    expect_training_mode(report, "a dropout model handed to train() in eval mode, 2 epochs")


@check(points=3)
def evaluate_returns_accuracy(sub: Submission) -> None:
    """evaluate returns the fraction of rows whose argmax(logits) equals the target."""
    expect_accuracy(sub, "blobs", "evaluate on 24 rows in batches of 7")


@check(points=0, fact=True)
def evaluate_in_eval_mode(sub: Submission) -> None:
    """evaluate runs the model in eval mode: a dropout model gives the same accuracy twice."""
    report = report_of(sub.probe("evaluate_report", "dropout", 2))
    evaluating = flags(report, "eval")  # the model and every submodule in eval mode
    if not evaluating:
        fail("evaluate() never called the model")
    if not all(evaluating):
        accuracies = report.get("accuracies")
        fail(
            f"{evaluating.count(False)} of {len(evaluating)} evaluation forward passes ran "
            f"with the model or a submodule in training mode (accuracies of two calls: "
            f"{accuracies})",
            diagnosis=misconception(
                "train_mode_in_eval",
                "model.eval() is missing",
                "In training mode dropout drops units at random, so the "
                "accuracy changes from call to call.",
                "a model with Dropout(0.5), evaluated twice",
            ),
        )


@check(points=0, fact=True)
def evaluate_builds_no_graph(sub: Submission) -> None:
    """evaluate runs under torch.no_grad() (or inference_mode): no graph is built."""
    report = report_of(sub.probe("evaluate_report", "blobs", 1))
    enabled = flags(report, "grad_enabled")
    if not enabled:
        fail("evaluate() never called the model")
    outputs = flags(report, "output_requires_grad")
    if len(outputs) != len(enabled):
        fail(f"the probe saw {len(enabled)} forward passes begin and {len(outputs)} end")
    if any(enabled) or any(outputs):
        fail(
            f"{enabled.count(True)} of {len(enabled)} evaluation forward passes built a graph",
            diagnosis=misconception(
                "graph_in_eval",
                "evaluation without torch.no_grad()",
                "Every forward pass then records a graph for backward that is "
                "never used: memory and time for nothing.",
                "the logits came back with requires_grad=True",
            ),
        )


def device_under_test(sub: Submission) -> str:
    """The device the device check moves to: "meta" on a CPU-only run, else the GPU itself."""
    return "meta" if sub.device == "cpu" else sub.device


def seen(report: dict[str, Any], key: str) -> list[list[str]]:
    value = report.get(key)
    if not isinstance(value, list) or not all(
        isinstance(v, list) and all(isinstance(d, str) for d in v) for v in value
    ):
        raise InvalidAnswer(f"the probe's `{key}` is missing")
    return value


def explain_devices(report: dict[str, Any], target: str) -> Diagnosis | None:
    """Which of the model, the features and the targets was not on `target`, if any."""
    error = error_text(report)
    off = diagnose.data_not_on_device(target, error, lambda key: seen(report, key))
    if off is None:
        return None
    raised = f" (on {target!r} the epoch raised {error})" if error else ""
    if off.part == "model":
        evidence = f"the model's parameters were on {off.devices} when it ran{raised}"
    elif off.part == "model_moved_off":
        evidence = f"the model was moved off {target!r} ({error.split(';')[0]})"
    elif off.part == "features":
        evidence = f"the model got its input on {off.devices}{raised}"
    else:
        evidence = f"the loss got an output on {off.devices[0]} and targets on {off.devices[1]}"
        evidence += raised
    template = {"features": FEATURES_NOT_MOVED, "targets": TARGETS_NOT_MOVED}
    return template.get(off.part, MODEL_NOT_MOVED).model_copy(update={"evidence": evidence})


def expect_on_device(report: dict[str, Any], target: str, what: str) -> None:
    """The epoch ran with model, features and targets on `target` (or says which was not)."""
    diagnosis = explain_devices(report, target)
    if diagnosis is not None:
        fail(f"{what}: {diagnosis.title}", diagnosis=diagnosis)
    error = error_text(report)
    if not seen(report, "loss_inputs"):
        fail(f"{what}: the loss was never computed ({error or 'no error'})")
    if error:  # on "meta" a correct loop raises nothing: reading a number gives a placeholder
        fail(f"{what}: train raised {error}")
    params = report.get("param_devices")
    if not isinstance(params, list):
        raise InvalidAnswer("the probe's `param_devices` is missing")
    if any(d != diagnose.device_type(target) for d in params):
        fail(f"{what}: the parameters ended on {params}", diagnosis=MODEL_NOT_MOVED)


def expect_agreement(
    report: dict[str, Any], losses: list[float], params: list[torch.Tensor], what: str
) -> None:
    """Epoch losses and final parameters within AGREEMENT of the CPU run's."""
    got = as_floats(report.get("losses"), "the losses train returned", length=len(losses))
    for epoch, (g, e) in enumerate(zip(got, losses, strict=True)):
        if not within_tolerance(g, e, rtol=AGREEMENT, atol=AGREEMENT):
            fail(
                f"{what}: the loss of epoch {epoch + 1} is {g:.6f}, the CPU run's {e:.6f}",
                expected=losses,
                got=got,
            )
    values = report.get("params")
    if not isinstance(values, list) or len(values) != len(params):
        raise InvalidAnswer(f"{what}: the probe returned no parameters")
    for i, (value, want) in enumerate(zip(values, params, strict=True)):
        tensor = as_tensor(value, f"{what}: parameter {i}", shape=want.shape)
        if not within_tolerance(tensor, want, rtol=AGREEMENT, atol=AGREEMENT):
            fail(
                f"{what}: parameter {i} differs from the CPU run's by "
                f"{max_difference(tensor, want):.3g}",
                expected=want,
                got=tensor,
            )


@check(points=0, fact=True)
def moves_each_batch_to_the_device(sub: Submission) -> None:
    """Each batch reaches the model and the loss on `device`, where the model is.

    On a CPU-only run the epoch runs on "meta": mixing devices raises there as on a GPU, and the
    one error a correct loop meets (reading the loss as a number) is not held against it. On a
    CUDA run it runs on the GPU, and the hidden CPU/GPU agreement check also compares values.
    """
    target = device_under_test(sub)
    expect_on_device(
        report_of(sub.probe("device_epoch", "blobs", target)), target, f"one epoch on {target!r}"
    )
