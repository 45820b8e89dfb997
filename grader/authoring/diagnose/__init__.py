"""Gradient diagnostics: name the misconception behind a wrong answer, the way a TA would.

Judge-side only. Every detector sees plain tensors and floats that already crossed the
sandbox boundary (or that the judge computed from the reference); none imports or calls
student code. Each detector is a small pure function that returns a `Diagnosis` or None,
and none raises on odd input (wrong types, shape mismatch, NaN, Inf, empty): it returns None.
A detector only fires when the answer is also *not* equal to the expected value.

    diagnosis = diagnose_gradient(got, expected, x=x, grad_output=upstream)
    fail("the gradient is wrong", expected=expected, got=got, diagnosis=diagnosis)

The library, by module: `values` (float64 copies, closeness, evidence, the `lecture`
constructor), `gradients` (wrong gradients), `graphs` (the computation graph cut, kept alive,
walked twice or changed in place), `losses` (losses and softmax) and `devices` (what a training
step ran off its device). Every diagnosis cites the lecture's slide. A diagnosis is feedback:
it never changes a verdict or a score.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from grader.authoring.diagnose.devices import OffDevice, data_not_on_device, device_type
from grader.authoring.diagnose.gradients import (
    MAX_PATHS,
    ZERO_DERIVATIVE_SOURCES,
    accumulated_gradients,
    broadcast_not_reduced,
    constant_factor,
    grad_output_modified,
    missing_path,
    paths_multiplied,
    quotient_numerator_reversed,
    relu_grad_at_zero,
    sign_flipped,
    transposed,
    upstream_ignored,
)
from grader.authoring.diagnose.graphs import (
    BACKWARD_TWICE,
    GRAPH_CUT,
    GRAPH_KEPT_ALIVE,
    INPLACE_LEAF_UPDATE,
    INPLACE_SAVED_VALUE,
    INPUT_NOT_IN_GRAPH,
    gradient_cut,
    graph_cut,
    graph_kept_alive,
    path_cut,
)
from grader.authoring.diagnose.losses import (
    LOSS_DETACHED_FROM_LOGITS,
    SOFTMAX_MODULE_CALLED_WITH_DIM,
    loss_on_probabilities,
    loss_sends_no_gradient,
    softmax_wrong_dim,
)
from grader.authoring.diagnose.values import ATOL, RTOL, Value, as_float64, is_close, lecture
from grader.outputs.models import Diagnosis

__all__ = [
    "ATOL",
    "BACKWARD_TWICE",
    "GRAPH_CUT",
    "GRAPH_KEPT_ALIVE",
    "INPLACE_LEAF_UPDATE",
    "INPLACE_SAVED_VALUE",
    "INPUT_NOT_IN_GRAPH",
    "LOSS_DETACHED_FROM_LOGITS",
    "MAX_PATHS",
    "RTOL",
    "SOFTMAX_MODULE_CALLED_WITH_DIM",
    "ZERO_DERIVATIVE_SOURCES",
    "OffDevice",
    "Value",
    "accumulated_gradients",
    "as_float64",
    "broadcast_not_reduced",
    "constant_factor",
    "data_not_on_device",
    "device_type",
    "diagnose_gradient",
    "grad_output_modified",
    "gradient_cut",
    "graph_cut",
    "graph_kept_alive",
    "is_close",
    "lecture",
    "loss_on_probabilities",
    "loss_sends_no_gradient",
    "missing_path",
    "path_cut",
    "paths_multiplied",
    "quotient_numerator_reversed",
    "relu_grad_at_zero",
    "sign_flipped",
    "softmax_wrong_dim",
    "transposed",
    "upstream_ignored",
]


def diagnose_gradient(
    got: Value,
    expected: Value,
    *,
    x: Value | None = None,
    grad_output: Value | None = None,
    local_derivative: Value | None = None,
    paths: Mapping[str, Value] | None = None,
    batch_size: int | None = None,
) -> Diagnosis | None:
    """The first diagnosis that fits: shape mistakes, then those the context makes
    specific (x, local_derivative, paths), then sign, transpose and constant factor."""
    detectors: list[Callable[[], Diagnosis | None]] = [
        lambda: broadcast_not_reduced(got, expected),
    ]
    if x is not None:
        detectors.append(lambda: relu_grad_at_zero(got, expected, x, grad_output))
    if local_derivative is not None:
        detectors.append(lambda: upstream_ignored(got, expected, local_derivative))
    if paths is not None:
        detectors.append(lambda: missing_path(got, expected, paths))
        detectors.append(lambda: paths_multiplied(got, expected, paths))
    detectors.append(lambda: sign_flipped(got, expected))
    detectors.append(lambda: transposed(got, expected))
    detectors.append(lambda: constant_factor(got, expected, batch_size))
    for detect in detectors:
        found = detect()
        if found is not None:
            return found
    return None
