"""exercise7 public checks: the MultilayerPerceptron module (Lecture 06, slides 31 and 39).

The model cannot cross the sandbox boundary, so the probes build it with a fixed seed and send
back its registered parameters and its outputs. The layer sizes are all different, so each
parameter is recognised by its shape alone, whatever the student named it; the judge then
recomputes the logits from those weights and compares.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from grader.authoring import (
    Diagnosis,
    InvalidAnswer,
    Submission,
    as_tensor,
    check,
    diagnose,
    expect_tensor,
    fail,
    same_form,
)

Sizes = tuple[int, int, int, int]  # num_features, num_hidden_1, num_hidden_2, num_classes
SIZES: Sizes = (4, 6, 5, 3)
SEED = 479
SLIDES = "Lecture 06, slides 31 and 39-40"


def layer_shapes(sizes: Sizes) -> list[tuple[int, ...]]:
    """Weight and bias shapes of linear_1, linear_2 and linear_out, in that order."""
    f, h1, h2, c = sizes
    return [(h1, f), (h1,), (h2, h1), (h2,), (c, h2), (c,)]


def parameter_count(sizes: Sizes) -> int:
    return sum(torch.Size(shape).numel() for shape in layer_shapes(sizes))


def inputs(seed: int, n: int, num_features: int, scale: float = 1.0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, num_features, generator=gen) * scale


def read_parameters(report: Any) -> dict[str, torch.Tensor]:
    """The {name: tensor} map a probe sent back, validated."""
    params = report.get("parameters") if isinstance(report, dict) else None
    if not isinstance(params, dict):
        raise InvalidAnswer("the probe sent back no parameter list")
    return {name: as_tensor(value, f"parameter {name}") for name, value in params.items()}


def find_layers(params: dict[str, torch.Tensor], sizes: Sizes) -> list[torch.Tensor] | None:
    """[W1, b1, W2, b2, W3, b3] recognised by shape, or None when they are not all there."""
    by_shape = {tuple(p.shape): p for p in params.values()}
    if len(params) != 6 or len(by_shape) != 6:
        return None
    found = [by_shape.get(shape) for shape in layer_shapes(sizes)]
    return [p for p in found if p is not None] if all(p is not None for p in found) else None


def layer_logits(
    layers: list[torch.Tensor], x: torch.Tensor, activation: str = "relu"
) -> torch.Tensor:
    """linear_out(act(linear_2(act(linear_1(x))))) with the given weights."""
    act = {"relu": torch.relu, "sigmoid": torch.sigmoid, "none": lambda t: t}[activation]
    w1, b1, w2, b2, w3, b3 = (p.to(x.dtype) for p in layers)
    return F.linear(act(F.linear(act(F.linear(x, w1, b1)), w2, b2)), w3, b3)


def unpack(output: Any, n: int, num_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(logits, probas) from forward's output, each a float tensor of shape (n, num_classes)."""
    if not isinstance(output, (tuple, list)) or len(output) != 2:
        kind = type(output).__name__
        raise InvalidAnswer(f"forward should return a pair (logits, probas), got a {kind}")
    shape = (n, num_classes)
    return as_tensor(output[0], "logits", shape=shape), as_tensor(output[1], "probas", shape=shape)


def run_forward(
    sub: Submission, sizes: Sizes, x: torch.Tensor
) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    """Build the model in the sandbox: its parameters, logits and probas for x."""
    report = sub.probe("forward", list(sizes), SEED, x)
    params = read_parameters(report)
    logits, probas = unpack(report.get("output"), x.shape[0], sizes[3])
    return params, logits, probas


def expect_parameters(params: dict[str, torch.Tensor], sizes: Sizes) -> None:
    """Six registered tensors with the three layers' shapes, and the exact count."""
    expected = sorted(layer_shapes(sizes))
    got = sorted(tuple(p.shape) for p in params.values())
    count = sum(p.numel() for p in params.values())
    if got != expected or count != parameter_count(sizes):
        listing = ", ".join(f"{name} {tuple(p.shape)}" for name, p in params.items()) or "none"
        fail(
            f"MultilayerPerceptron{sizes} should register 6 parameter tensors "
            f"({parameter_count(sizes)} numbers); it registers {len(params)} ({count} numbers): "
            f"{listing}",
            expected=expected,
            got=got,
            diagnosis=_unregistered(len(params)),
        )


def expect_logits(sub: Submission, sizes: Sizes, x: torch.Tensor, what: str) -> None:
    """logits equal the judge's recomputation from the model's own registered weights."""
    params, logits, _ = run_forward(sub, sizes, x)
    layers = find_layers(params, sizes)
    if layers is None:
        fail(
            f"{what}: the registered parameters are not the weights and biases of three layers "
            f"with shapes {layer_shapes(sizes)}, so the logits cannot be recomputed",
            diagnosis=_unregistered(len(params)),
        )
        return
    expected = layer_logits(layers, x)
    expect_tensor(
        logits, expected, what, check_dtype=False, diagnosis=explain_logits(logits, layers, x)
    )


def explain_logits(
    got: torch.Tensor, layers: list[torch.Tensor], x: torch.Tensor
) -> Diagnosis | None:
    """Wrong logits: normalised (softmax / log_softmax applied), or an activation missing."""
    right = layer_logits(layers, x).double()
    g = got.double()
    for name, wrong in (("softmax", right.softmax(1)), ("log_softmax", right.log_softmax(1))):
        if diagnose.is_close(g, wrong):
            return Diagnosis(
                code="logits_normalised",
                title=f"the logits went through {name}",
                explanation="Logits are the output layer's net inputs, unnormalised; "
                "probas = softmax(logits, dim=1) is the second output, and F.cross_entropy "
                "expects the logits (slide 35).",
                slide=SLIDES,
                evidence=f"row 0 of the logits is {_row(g)}, summing to {g[0].sum().item():.6g}",
            )
    for activation in ("none", "sigmoid"):
        if diagnose.is_close(g, layer_logits(layers, x, activation).double()):
            return Diagnosis(
                code="wrong_activation",
                title="ReLU left out" if activation == "none" else "sigmoid instead of ReLU",
                explanation="Each hidden layer is followed by F.relu (slide 31); without a "
                "nonlinearity, stacked linear layers collapse into one linear map.",
                slide=SLIDES,
                evidence=f"logits[0] = {_row(g)}, expected {_row(right)}",
            )
    return diagnose.diagnose_gradient(got, right)


def explain_probas(got: torch.Tensor, logits: torch.Tensor) -> Diagnosis | None:
    """Wrong probas: log-probabilities (slide 31's log_softmax), or softmax over the batch."""
    g, z = got.double(), logits.double()
    if diagnose.is_close(g, z.log_softmax(1)):
        return Diagnosis(
            code="log_probabilities",
            title="probas are log-probabilities (log_softmax), not probabilities",
            explanation="Slide 31 returns F.log_softmax(logits, dim=1) under the name probas; "
            "probabilities are softmax(logits, dim=1): non-negative, each row summing to 1.",
            slide=SLIDES,
            evidence=f"row 0 of probas sums to {g[0].sum().item():.6g} and holds negative values",
        )
    return diagnose.softmax_wrong_dim(got, logits)


def _row(t: torch.Tensor) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in t[0].tolist()) + "]"


def _unregistered(count: int) -> Diagnosis | None:
    if count >= 6:
        return None
    return Diagnosis(
        code="layers_not_registered",
        title="layers are not registered with the module",
        explanation="nn.Module finds the layers assigned as attributes (self.linear_1 = ...) or "
        "held in nn.ModuleList / nn.Sequential; layers in a plain list or dict are invisible to "
        "model.parameters(), so the optimizer never trains them and .to(device) never moves them.",
        slide=SLIDES,
        evidence=f"model.parameters() yields {count} tensors instead of 6",
    )


@check(points=1)
def output_shapes(sub: Submission) -> None:
    """forward returns a pair (logits, probas), each of shape (N, num_classes)."""
    x = inputs(1, 5, SIZES[0])
    report = sub.probe("forward", list(SIZES), SEED, x)
    output = report.get("output") if isinstance(report, dict) else None
    shapes = (
        [tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__ for t in output]
        if isinstance(output, (tuple, list))
        else type(output).__name__
    )
    if not same_form(shapes, [(5, 3), (5, 3)]):
        fail(
            "MultilayerPerceptron(4, 6, 5, 3) on a (5, 4) batch should return two (5, 3) tensors, "
            "(logits, probas)",
            expected=[(5, 3), (5, 3)],
            got=shapes,
        )


@check(points=0, fact=True)
def registered_parameters(sub: Submission) -> None:
    """Six parameter tensors are registered (3 weights, 3 biases): 83 numbers for (4, 6, 5, 3)."""
    expect_parameters(read_parameters(sub.probe("parameters", list(SIZES), SEED)), SIZES)


@check(points=4)
def logits_from_the_layers(sub: Submission) -> None:
    """logits = linear_out(relu(linear_2(relu(linear_1(x))))): unnormalised net inputs."""
    expect_logits(sub, SIZES, inputs(3, 8, SIZES[0]), "logits")


@check(points=1)
def probas_are_softmax_over_classes(sub: Submission) -> None:
    """probas = softmax(logits, dim=1): every row is non-negative and sums to 1."""
    _, logits, probas = run_forward(sub, SIZES, inputs(4, 8, SIZES[0]))
    expected = torch.softmax(logits, dim=1)
    expect_tensor(
        probas, expected, "probas", check_dtype=False, diagnosis=explain_probas(probas, logits)
    )


@check(points=1)
def batch_equals_single_rows(sub: Submission) -> None:
    """A batch of N rows gives the same (logits, probas) as N calls on one row each."""
    x = inputs(5, 6, SIZES[0])
    report = sub.probe("single_rows", list(SIZES), SEED, x)
    if not isinstance(report, dict) or not isinstance(report.get("rows"), (list, tuple)):
        raise InvalidAnswer("the single_rows probe sent back no rows")
    logits, probas = unpack(report.get("batch"), 6, SIZES[3])
    rows = [unpack(row, 1, SIZES[3]) for row in report["rows"]]
    stacked = torch.cat([p for _, p in rows]).to(probas.dtype)
    expect_tensor(
        torch.cat([lg for lg, _ in rows]).to(logits.dtype),
        logits,
        "logits of 6 single rows (expected: the batch's)",
        check_dtype=False,
    )
    expect_tensor(
        probas,
        stacked,
        "probas of a batch of 6 (expected: each row on its own)",
        check_dtype=False,
        diagnosis=diagnose.softmax_wrong_dim(probas, logits),
    )
