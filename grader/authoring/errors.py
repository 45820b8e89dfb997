"""Errors PyTorch raises for known autograd misconceptions, named for the student.

When a student's code raises, the verdict is `error` whatever the text says (the verdict never
depends on an error's wording). This module only adds a name to it: the misconception from the
course plan (docs/course.md) that PyTorch's own message points to, with the slide to reread.
It reads the error's type and text as plain strings that crossed the sandbox boundary.

    diagnosis = diagnose_error("RuntimeError", "Trying to backward through the graph a ...")
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.outputs.models import Diagnosis


@dataclass(frozen=True)
class KnownError:
    """One misconception and the PyTorch error that betrays it."""

    kind: str  # the exception's class name
    pattern: re.Pattern[str]
    diagnosis: Diagnosis


def _known(kind: str, pattern: str, code: str, title: str, slide: str, text: str) -> KnownError:
    explanation = f"Lecture 06, {slide}: {text}"
    return KnownError(
        kind,
        re.compile(pattern),
        Diagnosis(code=code, title=title, explanation=explanation, slide=slide),
    )


KNOWN_ERRORS: tuple[KnownError, ...] = (
    _known(
        "RuntimeError",
        r"Trying to backward through the graph a second time",
        "backward_twice",
        "backward twice without retain_graph",
        "slides on the computation graph and .backward()",
        "backward() frees the graph's saved values as it goes, so a second backward through the "
        "same graph fails. Build the graph again (a new forward pass) for each backward, or pass "
        "retain_graph=True to the first one when you really need two.",
    ),
    _known(
        "RuntimeError",
        r"a leaf Variable that requires grad is being used in an in-place operation",
        "inplace_leaf_update",
        "an in-place update of a parameter outside torch.no_grad()",
        "the ADALINE-with-autograd slides (updates under torch.no_grad())",
        "w -= lr * w.grad on a leaf that requires grad would be recorded in the graph; do the "
        "update inside `with torch.no_grad():` (or let an optimizer do it).",
    ),
    _known(
        "RuntimeError",
        r"element \d+ of tensors does not require grad and does not have a grad_fn",
        "graph_cut",
        "the graph was cut (.detach(), .data, .item() or a new tensor)",
        "slides on the computation graph",
        "the value you called backward on has no path back to the parameters: somewhere it went "
        "through .detach(), .data, .item()/float() or torch.tensor(...), which start a new "
        "graph. Keep the loss a tensor computed from the parameters.",
    ),
    _known(
        "RuntimeError",
        r"one of the variables needed for gradient computation has been modified by an inplace",
        "inplace_saved_value",
        "an in-place operation changed a value backward needs",
        "slides on the computation graph",
        "autograd saved this tensor for the backward pass, and an in-place operation (x += ..., "
        "x.relu_(), ReLU(inplace=True)) changed it afterwards. Use the out-of-place version.",
    ),
    _known(
        "RuntimeError",
        r"appears to not have been used in the graph",
        "input_not_in_graph",
        "the input asked about is not part of the graph",
        "slides on torch.autograd.grad",
        "torch.autograd.grad was asked for the gradient with respect to a tensor the output was "
        "not computed from (a copy, or a tensor re-created after the forward pass).",
    ),
    _known(
        "TypeError",
        r"Softmax\.forward\(\) (got an unexpected keyword argument 'dim'|takes 2 positional)",
        "softmax_module_called_with_dim",
        "nn.Softmax called like F.softmax",
        "slide 39",
        "the dimension belongs to the module, not to the call: nn.Softmax(dim=1) once in "
        "__init__, then self.softmax(logits); or F.softmax(logits, dim=1). Slide 39 mixes the "
        "two and raises this TypeError.",
    ),
)


def diagnose_error(kind: str, message: str) -> Diagnosis | None:
    """The misconception a PyTorch error of class `kind` with `message` points to, if known."""
    for known in KNOWN_ERRORS:
        if kind == known.kind and known.pattern.search(message):
            return known.diagnosis
    return None


_RAISED = re.compile(r"^(?P<kind>[A-Za-z_][\w.]*(?:Error|Exception)): (?P<message>.*)$", re.M)


def diagnose_error_text(text: str) -> Diagnosis | None:
    """The same, from a traceback's or a verdict's text ("RuntimeError: element 0 ...")."""
    for found in _RAISED.finditer(text):
        diagnosis = diagnose_error(found["kind"].rsplit(".", 1)[-1], found["message"])
        if diagnosis is not None:
            return diagnosis
    return None
