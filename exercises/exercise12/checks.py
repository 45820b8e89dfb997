"""exercise12 public checks: one training step with the data moved to the model's device.

Value checks run on the grading device (`sub.device`: the CPU, or CUDA when graded there).
Device checks need a second device: on a CPU-only machine they use "meta" (tensors without
data, where mixing devices raises just as on a GPU); on CUDA they use CUDA itself.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.authoring import (
    Diagnosis,
    InvalidAnswer,
    Submission,
    as_float,
    as_tensor,
    check,
    count,
    diagnose,
    error_text,
    fail,
    max_difference,
    within_tolerance,
)

# The "regression" step of probes.build (Adaline(3), MSE, SGD lr 0.1), computed by torch 2.13
# in float32: the loss before the step, and linear.weight, linear.bias after it.
REGRESSION_LOSS = 0.35759592
REGRESSION_PARAMS = ((-0.08455382, -0.30944228, 0.01887345), (0.00387259,))
SLIDE = "Lecture 06, PyTorch usage steps 2-3: model.to(device), features/targets.to(device)"


def misconception(code: str, title: str, text: str, evidence: str = "") -> Diagnosis:
    return Diagnosis(code=code, title=title, explanation=text, slide=SLIDE, evidence=evidence)


MODEL_NOT_MOVED = misconception(
    "model_not_on_device",
    "the model is not on the device",
    "The model and its optimizer arrive on `device`; leave the model there (no "
    'model.to("cpu"), no copy) and bring the data to it.',
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


def device_under_test(sub: Submission) -> str:
    """The device the device checks move to: "meta" on a CPU-only run, else the GPU itself."""
    return "meta" if sub.device == "cpu" else sub.device


def step_report(
    sub: Submission, case: str, target: str | None = None, stale: bool = False
) -> dict[str, Any]:
    report = sub.probe("one_step", case, target, stale)
    if not isinstance(report, dict):
        raise InvalidAnswer("the probe returned no report")
    return report


def devices(report: dict[str, Any], key: str) -> list[list[str]]:
    value = report.get(key)
    if not isinstance(value, list) or not all(isinstance(v, list) for v in value):
        raise InvalidAnswer(f"the probe's `{key}` is missing")
    return value


def raised(report: dict[str, Any], target: str) -> str:
    """Evidence for a device mistake: what the step raised on the device, if anything."""
    error = error_text(report)
    return f"on {target!r} the step raised {error}" if error else ""


def explain_devices(report: dict[str, Any], target: str) -> Diagnosis | None:
    """Which of the model, the features and the targets was not on `target`, if any."""
    error = error_text(report)
    off = diagnose.data_not_on_device(target, error, lambda key: devices(report, key))
    if off is None:
        return None
    if off.part == "model":
        evidence = f"the model's parameters were on {off.devices} when it ran"
    elif off.part == "model_moved_off":
        evidence = f"the model was moved off {target!r} ({error.split(';')[0]})"
    else:
        evidence = raised(report, target)
    template = {"features": FEATURES_NOT_MOVED, "targets": TARGETS_NOT_MOVED}
    return template.get(off.part, MODEL_NOT_MOVED).model_copy(update={"evidence": evidence})


def explain_step(report: dict[str, Any]) -> Diagnosis | None:
    """What the hooks say went wrong in the step, if anything."""
    if count(report, "steps") == 0:
        return misconception(
            "no_step",
            "optimizer.step() is never called",
            "backward() only computes gradients; step() applies them.",
        )
    if count(report, "empty_steps") > 0:
        return misconception(
            "zero_grad_before_step",
            "zero_grad between backward and step",
            "Clearing the gradients after backward leaves step() nothing to "
            "apply: the parameters do not move.",
        )
    if count(report, "stale_backwards") > 0:
        return misconception(
            "accumulated_gradients",
            "gradients accumulate across steps (zero_grad is missing)",
            "backward() adds to .grad; call optimizer.zero_grad() before "
            "backward, or the previous step's gradient is applied again.",
            "every .grad held a gradient of ones before train_step",
        )
    return None


def expect_parameters(report: dict[str, Any], expected: list[torch.Tensor], what: str) -> None:
    params = report.get("params")
    if not isinstance(params, list) or len(params) != len(expected):
        raise InvalidAnswer(f"{what}: the probe returned no parameters")
    for i, (got, want) in enumerate(zip(params, expected, strict=True)):
        value = as_tensor(got, f"{what}: parameter {i}", shape=want.shape)
        if not within_tolerance(value, want):
            fail(
                f"{what}: parameter {i} after the step is wrong",
                expected=want,
                got=value,
                diagnosis=explain_step(report),
            )


LOSS_AS_TENSOR = misconception(
    "loss_as_tensor",
    "the loss is returned as a tensor",
    "Return loss.item(): a Python float holds no graph and no device memory.",
)


def loss_value(result: Any, what: str) -> float:
    """The returned loss as a number: a Python float, or a one-element floating tensor (whose
    type only returns_loss_as_python_float charges: every other check compares its value)."""
    return as_float(result, f"{what}: the value train_step returned", finite=False)


def expect_loss(report: dict[str, Any], expected: float, what: str) -> None:
    """The returned loss (a float or a one-element tensor) is the batch's loss before the step."""
    result = loss_value(report.get("result"), what)
    if not within_tolerance(result, expected):
        fail(
            f"{what}: the returned loss is {result:.6f}, expected {expected:.6f} (the loss of "
            "the batch before the step)",
            expected=expected,
            got=result,
        )


def expect_python_float(report: dict[str, Any], what: str) -> None:
    """train_step returned a Python float, not a tensor (the one check that charges the type)."""
    result = report.get("result")
    if isinstance(result, torch.Tensor):
        fail(
            f"{what}: train_step returned a tensor, not a Python float",
            got=result,
            diagnosis=LOSS_AS_TENSOR,
        )
    if isinstance(result, bool) or not isinstance(result, (int, float)):
        raise InvalidAnswer(
            f"{what}: train_step should return a float, got {type(result).__name__}"
        )


def expect_targets_moved(report: dict[str, Any], target: str, what: str) -> None:
    """The loss saw its targets on `target`; else say what was on the CPU and what raised."""
    seen = devices(report, "loss_inputs")
    if not seen:
        fail(
            f"{what}: the loss was never computed ({error_text(report) or 'no error'})",
            diagnosis=explain_devices(report, target),
        )
    wrong = [pair for pair in seen if any(d != diagnose.device_type(target) for d in pair)]
    if wrong:
        fail(
            f"{what}: the loss got an output on {wrong[0][0]} and targets on {wrong[0][1]}; "
            f"both must be on {target!r}",
            diagnosis=TARGETS_NOT_MOVED.model_copy(update={"evidence": raised(report, target)}),
        )


def expect_on_device(report: dict[str, Any], target: str, what: str) -> None:
    """Every step ran with model, features and targets on `target` (or says which was not)."""
    diagnosis = explain_devices(report, target)
    if diagnosis is not None:
        fail(f"{what}: {diagnosis.title}", diagnosis=diagnosis)
    error = error_text(report)
    if error:
        fail(f"{what}: train_step raised {error}", diagnosis=explain_step(report))
    params = report.get("param_devices")
    if not isinstance(params, list):
        raise InvalidAnswer("the probe's `param_devices` is missing")
    if any(d != diagnose.device_type(target) for d in params):
        fail(f"{what}: the parameters ended on {params}", diagnosis=MODEL_NOT_MOVED)


def expect_agreement(
    report: dict[str, Any], losses: list[float], params: list[torch.Tensor], what: str
) -> None:
    """Each step's loss and the final parameters within AGREEMENT of the CPU run's."""
    results = report.get("results")
    if not isinstance(results, list) or len(results) != len(losses):
        raise InvalidAnswer(f"{what}: expected {len(losses)} results of train_step")
    got = [loss_value(result, f"{what}, step {i + 1}") for i, result in enumerate(results)]
    for step, (result, expected) in enumerate(zip(got, losses, strict=True)):
        if not within_tolerance(result, expected, rtol=AGREEMENT, atol=AGREEMENT):
            fail(
                f"{what}: the loss of step {step + 1} is {result:.6f}, the CPU run's "
                f"{expected:.6f}",
                expected=losses,
                got=got,
                diagnosis=explain_step(report),
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
                diagnosis=explain_step(report),
            )


@check(points=1)
def returns_loss_as_python_float(sub: Submission) -> None:
    """train_step returns the batch's loss (before the step) as a Python float."""
    report = step_report(sub, "regression")
    expect_python_float(report, "one MSE step")
    expect_loss(report, REGRESSION_LOSS, "one MSE step")


@check(points=5)
def one_step_updates_parameters(sub: Submission) -> None:
    """One call takes exactly one SGD step: the parameters move by -lr * gradient."""
    expected = [torch.tensor([REGRESSION_PARAMS[0]]), torch.tensor(REGRESSION_PARAMS[1])]
    expect_parameters(step_report(sub, "regression"), expected, "one MSE step")


@check(points=2)
def clears_stale_gradients(sub: Submission) -> None:
    """Gradients left over from an earlier step do not leak into this one (zero_grad)."""
    expected = [torch.tensor([REGRESSION_PARAMS[0]]), torch.tensor(REGRESSION_PARAMS[1])]
    report = step_report(sub, "regression", None, True)
    # the parameters decide; what the hooks recorded (a fact) only names the misconception
    expect_parameters(report, expected, "a step after an earlier one")


@check(points=0, fact=True)
def features_moved_to_device(sub: Submission) -> None:
    """The features reach the model on the model's device."""
    target = device_under_test(sub)
    report = step_report(sub, "regression", target)
    seen = devices(report, "model_inputs")
    kind = diagnose.device_type(target)
    outputs = [pair[0] for pair in devices(report, "loss_inputs") if pair]
    if not seen and outputs and all(d == kind for d in outputs) and not error_text(report):
        return  # model.forward(x) skips the hooks; its output on `target`, without an error,
        # shows the input reached the parameters there (mixing devices raises on meta, too)
    if not seen:
        fail(
            f"on {target!r}: the model was never called ({error_text(report) or 'no error'})",
            diagnosis=explain_devices(report, target),
        )
    wrong = [d for call in seen for d in call if d != diagnose.device_type(target)]
    if wrong:
        fail(
            f"on {target!r}: the model got its input on {wrong[0]}",
            diagnosis=explain_devices(report, target) or FEATURES_NOT_MOVED,
        )


@check(points=0, fact=True)
def targets_moved_to_device(sub: Submission) -> None:
    """The targets reach the loss on the model's device (targets.to(device))."""
    target = device_under_test(sub)
    expect_targets_moved(step_report(sub, "regression", target), target, f"on {target!r}")


@check(points=0, fact=True)
def parameters_end_on_device(sub: Submission) -> None:
    """After the step, parameters and gradients are on the device and the optimizer holds them."""
    target = device_under_test(sub)
    report = step_report(sub, "regression", target)
    error = error_text(report)  # on "meta" a correct step raises nothing (see probes.py)
    if count(report, "steps") == 0 or error:
        fail(
            f"on {target!r}: no optimizer step was completed ({error or 'no error'})",
            diagnosis=explain_step(report) if not error else explain_devices(report, target),
        )
    params, grads = report.get("param_devices"), report.get("grad_devices")
    if not isinstance(params, list) or not isinstance(grads, list):
        raise InvalidAnswer("the probe's devices are missing")
    kind = diagnose.device_type(target)
    if any(d != kind for d in params) or any(d not in (kind, "NoneType") for d in grads):
        fail(
            f"on {target!r}: parameters ended on {params}, gradients on {grads}",
            diagnosis=explain_devices(report, target) or MODEL_NOT_MOVED,
        )
    if report.get("optimizer_holds_parameters") is not True:
        fail(
            "the optimizer no longer holds the model's parameters: was the model copied or "
            "rebuilt inside train_step?"
        )
