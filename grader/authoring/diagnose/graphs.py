"""Misconceptions about the computation graph itself: cut (.detach(), .data, .item(), a new
tensor), kept alive (`total_loss += loss`), freed and walked twice (`backward` without
`retain_graph`), or changed in place (a leaf updated outside `torch.no_grad()`, a saved value
overwritten).

Each is one `Diagnosis` defined here once. The detectors name it from behaviour the judge sees
(a gradient that lacks a path, a value that requires grad where a number is due); the known-error
table of `grader.authoring.errors` names the same diagnosis from PyTorch's message when the
mistake raises. A message only ever chooses which name is shown, never a verdict or a point.
"""

from __future__ import annotations

from collections.abc import Mapping

from grader.authoring.diagnose.gradients import missing_path
from grader.authoring.diagnose.values import Value, as_float64, evidence, is_close, lecture, pair
from grader.outputs.models import Diagnosis

GRAPH_CUT = lecture(
    "graph_cut",
    "the graph was cut (.detach(), .data, .item() or a new tensor)",
    "computation graphs (autograd records every operation on tensors that require grad)",
    "the value has no path back to the tensors it was computed from: somewhere it went "
    "through .detach(), .data, .item()/float() or torch.tensor(...), which start a new graph, "
    "so no gradient flows back along that path. Keep the computation in tensor operations on "
    "the tensors that require grad.",
)
GRAPH_KEPT_ALIVE = lecture(
    "graph_kept_alive",
    "a running total keeps every step's graph alive (total_loss += loss)",
    "slide 35 (the training loop: loss.item() for logging)",
    "adding the loss tensor itself to a running total builds one ever-growing graph that holds "
    "every step's saved values in memory (and the total is a tensor that requires grad). "
    "Accumulate a number: total_loss += loss.item().",
)
BACKWARD_TWICE = lecture(
    "backward_twice",
    "backward twice without retain_graph",
    "slides 34-35 (the training loop: one forward pass for each loss.backward())",
    "backward() frees the graph's saved values as it goes, so a second backward through the "
    "same graph fails. Build the graph again (a new forward pass) for each backward, or pass "
    "retain_graph=True to the first one when you really need two.",
)
INPLACE_LEAF_UPDATE = lecture(
    "inplace_leaf_update",
    "an in-place update of a parameter outside torch.no_grad()",
    "the ADALINE-with-autograd slides (updates under torch.no_grad())",
    "w -= lr * w.grad on a leaf that requires grad would be recorded in the graph; do the "
    "update inside `with torch.no_grad():` (or let an optimizer do it).",
)
INPLACE_SAVED_VALUE = lecture(
    "inplace_saved_value",
    "an in-place operation changed a value backward needs",
    "computation graphs (the values saved for the backward pass)",
    "autograd saved this tensor for the backward pass, and an in-place operation (x += ..., "
    "x.relu_(), ReLU(inplace=True)) changed it afterwards. Use the out-of-place version.",
)
INPUT_NOT_IN_GRAPH = lecture(
    "input_not_in_graph",
    "the input asked about is not part of the graph (cut off by .detach(), .data or a copy)",
    "computation graphs (torch.autograd.grad)",
    "torch.autograd.grad was asked for the gradient with respect to a tensor the output was "
    "not computed from (a copy, a detached tensor, or one re-created after the forward pass).",
)


def graph_cut(requires_grad: object, what: str = "the output") -> Diagnosis | None:
    """`what`, computed from tensors that require grad, does not require grad itself.

    `requires_grad` is the flag the judge read (strictly False fires; anything else, such as
    a missing report, is no diagnosis)."""
    if requires_grad is not False:
        return None
    return GRAPH_CUT.model_copy(update={"evidence": f"{what} does not require grad"})


def path_cut(got: Value, expected: Value, paths: Mapping[str, Value]) -> Diagnosis | None:
    """An autograd gradient that lacks one path's term (or is zero): the graph was cut there.

    Autograd itself never forgets a path; when its answer misses one, the code detached the
    value on that path. Use this for gradients that autograd computed, `missing_path` for
    gradients derived by hand."""
    missing = missing_path(got, expected, paths)
    if missing is not None:
        return GRAPH_CUT.model_copy(update={"evidence": f"{missing.title}: {missing.evidence}"})
    return gradient_cut(got, expected)


def gradient_cut(got: Value, expected: Value) -> Diagnosis | None:
    """An autograd gradient that is exactly zero where the expected one is not."""
    both = pair(got, expected)
    if both is None or both[0].shape != both[1].shape:
        return None
    g, e = both
    zero = g.new_zeros(g.shape)
    if not bool((g == 0).all()) or is_close(e, zero):
        return None
    return GRAPH_CUT.model_copy(update={"evidence": evidence(g, e) + ": no gradient flowed back"})


def graph_kept_alive(requires_grad: object, what: str = "the running total") -> Diagnosis | None:
    """A value that should be a number (a logged or summed loss) still requires grad."""
    if requires_grad is not True:
        return None
    return GRAPH_KEPT_ALIVE.model_copy(
        update={"evidence": f"{what} is a tensor that requires grad, not a Python float"}
    )


def is_zero(value: object) -> bool:
    """A finite tensor or number that is zero everywhere."""
    tensor = as_float64(value)
    return tensor is not None and bool((tensor == 0).all())
