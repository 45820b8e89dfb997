"""exercise7 public checks: the MultilayerPerceptron module (Lecture 06, slides 31 and 39).

The model cannot cross the sandbox boundary, so the probes build it with a fixed seed in the
sandbox. The checks that judge its outputs send the judge's own weights, which the probe copies
into the registered parameters (recognised by shape: the layer sizes are all different, so each
tensor has one place whatever the student named it); the judge computes the logits and probas
from the same weights and compares. Every expected value comes from the judge's weights and
inputs, never from what the sandbox reported (a registered-parameter list can be faked).
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
    count,
    diagnose,
    expect_finite,
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


def judge_weights(sizes: Sizes, seed: int) -> list[torch.Tensor]:
    """[W1, b1, W2, b2, W3, b3] the judge chooses (seeded, float32), loaded into the model."""
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=gen) * 0.6 for shape in layer_shapes(sizes)]


def open_relu_weights(sizes: Sizes, seed: int) -> list[torch.Tensor]:
    """Weights whose hidden layers are non-negative with positive biases: on non-negative inputs
    (`open_inputs`) every ReLU passes its input through, so the checks of probas do not also
    charge a ReLU left out (logits_from_the_layers does)."""
    weights = judge_weights(sizes, seed)
    for i in range(4):
        weights[i] = weights[i].abs() + (0.1 if i % 2 else 0.0)
    return weights


def open_inputs(seed: int, n: int, num_features: int) -> torch.Tensor:
    return inputs(seed, n, num_features).abs()


def integer_weights(sizes: Sizes, seed: int) -> list[torch.Tensor]:
    """Small whole-number weights, non-negative in the hidden layers (their ReLUs pass every
    input through on non-negative inputs): with whole-number inputs every logit is computed
    exactly in float32 on any device, however large it is."""
    gen = torch.Generator().manual_seed(seed)
    low = [0, 1, 0, 1, -3, -3]
    return [
        torch.randint(lo, 4, shape, generator=gen).to(torch.float32)
        for lo, shape in zip(low, layer_shapes(sizes), strict=True)
    ]


def read_parameters(report: Any) -> dict[str, torch.Tensor]:
    """The {name: tensor} map a probe sent back, validated."""
    params = report.get("parameters") if isinstance(report, dict) else None
    if not isinstance(params, dict):
        raise InvalidAnswer("the probe sent back no parameter list")
    return {name: as_tensor(value, f"parameter {name}") for name, value in params.items()}


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
    sub: Submission, sizes: Sizes, x: torch.Tensor, weights: list[torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Build the model in the sandbox with the judge's weights loaded: its logits and probas
    for x, and how many parameters it registers (a fact: feedback only)."""
    report = sub.probe("forward", list(sizes), SEED, weights, x)
    logits, probas = unpack(
        report.get("output") if isinstance(report, dict) else None, x.shape[0], sizes[3]
    )
    return logits, probas, count(report, "registered")


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


def expect_logits(
    sub: Submission, sizes: Sizes, x: torch.Tensor, what: str, weights: list[torch.Tensor]
) -> None:
    """logits, with the judge's weights loaded, equal the judge's logits from those weights."""
    logits, _, registered = run_forward(sub, sizes, x, weights)
    expect_tensor(
        logits,
        layer_logits(weights, x),
        what,
        check_dtype=False,
        diagnosis=explain_logits(logits, weights, x) or _unregistered(registered),
    )


def expect_probas(
    sub: Submission, sizes: Sizes, x: torch.Tensor, what: str, weights: list[torch.Tensor]
) -> torch.Tensor:
    """probas, with the judge's weights loaded, equal softmax of the judge's logits."""
    _, probas, registered = run_forward(sub, sizes, x, weights)
    logits = layer_logits(weights, x)
    return expect_tensor(
        probas,
        torch.softmax(logits, dim=1),
        what,
        check_dtype=False,
        diagnosis=explain_probas(probas, logits) or _unregistered(registered),
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
    report = sub.probe("forward", list(SIZES), SEED, judge_weights(SIZES, 1), x)
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
    for name, tensor in zip(("logits", "probas"), output, strict=True):
        expect_finite(tensor, name)  # a form check pays for numbers, never for NaN or infinity


@check(points=0, fact=True)
def registered_parameters(sub: Submission) -> None:
    """Six parameter tensors are registered (3 weights, 3 biases): 83 numbers for (4, 6, 5, 3)."""
    expect_parameters(read_parameters(sub.probe("parameters", list(SIZES), SEED)), SIZES)


@check(points=4)
def logits_from_the_layers(sub: Submission) -> None:
    """logits = linear_out(relu(linear_2(relu(linear_1(x))))): unnormalised net inputs, with
    backward through them reaching every layer."""
    expect_logits(sub, SIZES, inputs(3, 8, SIZES[0]), "logits", judge_weights(SIZES, 3))
    expect_gradients(sub, SIZES, inputs(6, 8, SIZES[0]), judge_weights(SIZES, 6))


GRAPH_CUT_IN_FORWARD = Diagnosis(
    code="graph_cut_in_forward",
    title="forward cuts the graph (.detach() or .data)",
    explanation="The logits have the right values but backward does not reach every layer: a "
    ".detach() or .data inside forward makes what comes before it a constant, so "
    "loss.backward() leaves those weights' .grad empty and the optimizer never trains them.",
    slide=SLIDES,
)


def expect_gradients(
    sub: Submission, sizes: Sizes, x: torch.Tensor, weights: list[torch.Tensor]
) -> None:
    """Backward of sum(logits * upstream), with the judge's weights loaded, gives each of the
    six parameters autograd's gradient from the judge's own forward pass."""
    gen = torch.Generator().manual_seed(sizes[0] * 1009 + x.shape[0])
    upstream = torch.randn(x.shape[0], sizes[3], generator=gen)
    report = sub.probe("gradients", list(sizes), SEED, weights, x, upstream)
    grads = report.get("grads") if isinstance(report, dict) else None
    if not isinstance(grads, list):
        raise InvalidAnswer("the gradients probe sent back no gradients")
    leaves = [w.clone().requires_grad_(True) for w in weights]
    expected = torch.autograd.grad((layer_logits(leaves, x) * upstream).sum(), leaves)
    by_shape: dict[tuple[int, ...], Any] = {}
    for item in grads:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], list):
            by_shape[tuple(int(n) for n in item[0])] = item[1]
    for shape, want in zip(layer_shapes(sizes), expected, strict=True):
        what = f"the .grad of the {shape} parameter after backward through the logits"
        got = by_shape.get(shape)
        if got is None:  # no gradient reached it: held to autograd's as zeros, so it fails
            expect_tensor(
                torch.zeros(want.shape),
                want,
                f"{what} (None: no gradient reached it)",
                diagnosis=GRAPH_CUT_IN_FORWARD,
            )
        expect_tensor(as_tensor(got, what, shape=want.shape), want, what, check_dtype=False)


@check(points=1)
def probas_are_softmax_over_classes(sub: Submission) -> None:
    """probas = softmax(logits, dim=1): every row is non-negative and sums to 1."""
    x, weights = open_inputs(4, 8, SIZES[0]), open_relu_weights(SIZES, 4)
    expect_probas(sub, SIZES, x, "probas", weights)


@check(points=1)
def batch_equals_single_rows(sub: Submission) -> None:
    """A batch of N rows gives the same (logits, probas) as N calls on one row each."""
    x, weights = open_inputs(5, 6, SIZES[0]), open_relu_weights(SIZES, 5)
    report = sub.probe("single_rows", list(SIZES), SEED, weights, x)
    if not isinstance(report, dict) or not isinstance(report.get("rows"), (list, tuple)):
        raise InvalidAnswer("the single_rows probe sent back no rows")
    if len(report["rows"]) != 6:
        raise InvalidAnswer("the single_rows probe sent back the wrong number of rows")
    logits, probas = unpack(report.get("batch"), 6, SIZES[3])
    rows = [unpack(row, 1, SIZES[3]) for row in report["rows"]]
    row_logits = torch.cat([lg for lg, _ in rows])
    row_probas = torch.cat([p for _, p in rows])
    # each answer is held to the judge's own, computed from the weights it loaded
    expected_logits = layer_logits(weights, x)
    expected_probas = torch.softmax(expected_logits, dim=1)
    expect_tensor(logits, expected_logits, "logits of a batch of 6", check_dtype=False)
    expect_tensor(
        probas,
        expected_probas,
        "probas of a batch of 6 (expected: each row on its own)",
        check_dtype=False,
        diagnosis=diagnose.softmax_wrong_dim(probas, expected_logits),
    )
    expect_tensor(row_logits, expected_logits, "logits of 6 single rows", check_dtype=False)
    expect_tensor(row_probas, expected_probas, "probas of 6 single rows", check_dtype=False)
