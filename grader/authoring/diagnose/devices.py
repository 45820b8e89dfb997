"""Where a training step's data was: the model, the features or the targets off the device.

Unlike the other detectors this one reads a probe's record of device types through the
caller's reader (whose errors propagate) and says *what* was off the device; the exercise
words its own diagnosis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, NamedTuple


class OffDevice(NamedTuple):
    """What a training step ran off its device, and the device types recorded for it.

    `part`: "model" (its parameters were elsewhere when it ran), "model_moved_off" (moved away
    before any input reached it), "features" (the model's input) or "targets" (the loss's);
    `devices`: that call's device types; for "targets", [output, targets].
    """

    part: Literal["model", "model_moved_off", "features", "targets"]
    devices: list[str]


def device_type(target: str) -> str:
    """The device type a probe reports for `target` ("cuda:1" -> "cuda")."""
    return target.partition(":")[0]


def data_not_on_device(
    target: str, error: str, recorded: Callable[[str], Sequence[Sequence[str]]]
) -> OffDevice | None:
    """The first of the model, the features and the targets found off `target`, if any.

    `recorded(key)` is the probe's record of device types, one list per call, under
    "model_parameters", "model_inputs" and "loss_inputs" (pairs: output, targets); it is read
    lazily, in that order, only as far as needed. `error` is what the run raised on `target`
    ("" if nothing): a model moved off the device before its first input shows as "Module.to()".
    """
    kind = device_type(target)
    for devices in recorded("model_parameters"):
        if any(d != kind for d in devices):
            return OffDevice("model", list(devices))
    if not recorded("model_inputs") and "Module.to()" in error:
        return OffDevice("model_moved_off", [])
    for devices in recorded("model_inputs"):
        if any(d != kind for d in devices):
            return OffDevice("features", list(devices))
    for output, targets in recorded("loss_inputs"):
        if targets != kind:
            return OffDevice("targets", [output, targets])
    return None
