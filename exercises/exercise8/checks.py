"""exercise8 public checks: nn.Sequential and forward hooks (Lecture 06, slides 40-41).

The judge makes the weights, a probe copies them into the student's Sequential, and the judge
recomputes exercise 7's forward pass with the same weights. For the hook, a probe registers it
through the student's `capture_activation`, runs forward passes with autograd on, removes it,
and reports what the store held and when.
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
)

Sizes = tuple[int, int, int, int]  # num_features, num_hidden_1, num_hidden_2, num_classes
SIZES: Sizes = (4, 6, 5, 3)
LAYOUT = ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
SLIDES = "Lecture 06, slides 40-41: Using Sequential, hooks"


def make_weights(sizes: Sizes, seed: int) -> list[torch.Tensor]:
    """[W1, b1, W2, b2, W3, b3] for the sizes, seeded, float32."""
    gen = torch.Generator().manual_seed(seed)
    f, h1, h2, c = sizes
    shapes = [(h1, f), (h1,), (h2, h1), (h2,), (c, h2), (c,)]
    return [torch.randn(*shape, generator=gen) * 0.6 for shape in shapes]


def inputs(seed: int, n: int, num_features: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, num_features, generator=gen)


def mlp_activations(weights: list[torch.Tensor], x: torch.Tensor) -> list[torch.Tensor]:
    """Exercise 7's forward pass, layer by layer: the outputs of Sequential indices 0 to 4."""
    w1, b1, w2, b2, w3, b3 = weights
    z1 = F.linear(x, w1, b1)
    z2 = F.linear(torch.relu(z1), w2, b2)
    return [z1, torch.relu(z1), z2, torch.relu(z2), F.linear(torch.relu(z2), w3, b3)]


def loaded(report: Any) -> dict[str, Any]:
    """A probe report whose weights went in; a failure naming the layer that did not fit."""
    if not isinstance(report, dict) or not isinstance(report.get("loaded"), bool):
        raise InvalidAnswer("the probe sent back no report")
    if not report["loaded"]:
        fail(
            f"the weights of Linear({SIZES[0]}, {SIZES[1]}), Linear({SIZES[1]}, {SIZES[2]}), "
            f"Linear({SIZES[2]}, {SIZES[3]}) could not be loaded: {report.get('problem')}"
        )
    return report


def expect_logits(sub: Submission, sizes: Sizes, seed: int, n: int, what: str) -> None:
    """model(x) with the judge's weights equals exercise 7's logits with the same weights."""
    weights, x = make_weights(sizes, seed), inputs(seed + 1, n, sizes[0])
    report = loaded(sub.probe("logits", list(sizes), weights, x))
    expected = mlp_activations(weights, x)[4]
    got = as_tensor(report.get("output"), what, shape=expected.shape)
    expect_tensor(got, expected, what, check_dtype=False, diagnosis=explain_logits(got, expected))


def explain_logits(got: torch.Tensor, expected: torch.Tensor) -> Diagnosis | None:
    """Sequential output normalised by a final (Log)Softmax layer."""
    g, e = got.double(), expected.double()
    for name, wrong in (("Softmax", e.softmax(1)), ("LogSoftmax", e.log_softmax(1))):
        if diagnose.is_close(g, wrong):
            return Diagnosis(
                code="logits_normalised",
                title=f"the Sequential ends with a {name} layer",
                explanation="Slide 40's my_network stops at the last Linear: it returns the "
                "logits, and probas = F.softmax(logits, dim=1) is taken outside it.",
                slide=SLIDES,
                evidence=f"row 0 of the output sums to {g[0].sum().item():.6g}",
            )
    return diagnose.diagnose_gradient(got, expected)


def run_capture(
    sub: Submission, sizes: Sizes, seed: int, index: int, xs: list[torch.Tensor]
) -> dict[str, Any]:
    """The capture probe's report, with `counts`, `after_remove`, `items` and `attached`."""
    weights = make_weights(sizes, seed)
    report = loaded(sub.probe("capture", list(sizes), weights, index, xs))
    counts, items = report.get("counts"), report.get("items")
    if not isinstance(counts, list) or not isinstance(items, list):
        raise InvalidAnswer("the capture probe sent back no store")
    if not items:
        fail(
            f"nothing was captured: after {len(xs)} forward pass(es) the store is empty; is the "
            f"hook registered on model[{index}] with register_forward_hook?"
        )
    return {**report, "weights": weights}


def expect_activation(
    got: Any, weights: list[torch.Tensor], x: torch.Tensor, index: int, what: str
) -> None:
    """A captured item equals the output of Sequential layer `index` for x."""
    outputs = mlp_activations(weights, x)
    expected = outputs[index]
    value = as_tensor(got, what)
    if value.shape != expected.shape:
        fail(
            f"{what} should have the shape of model[{index}]'s output, {tuple(expected.shape)}, "
            f"got {tuple(value.shape)}",
            diagnosis=explain_activation(value, outputs, index),
        )
    expect_tensor(
        value,
        expected,
        what,
        check_dtype=False,
        diagnosis=explain_activation(value, outputs, index),
    )


def explain_activation(
    got: torch.Tensor, outputs: list[torch.Tensor], index: int
) -> Diagnosis | None:
    """The hook caught another tensor: the ReLU's input (a pre-hook) or another layer's output."""
    negatives = int((got < 0).sum())
    for other, tensor in enumerate(outputs):
        if other == index or not diagnose.is_close(got.double(), tensor.double()):
            continue
        if other == index - 1:
            return Diagnosis(
                code="wrong_tensor_captured",
                title="the hook captured the layer's input, not its output",
                explanation="register_forward_hook(hook) calls hook(module, inputs, output) after "
                "the module's forward: store `output`. A forward pre-hook sees only the inputs, "
                "here the Linear's output before the ReLU.",
                slide=SLIDES,
                evidence=f"the captured tensor has {negatives} negative entries; "
                "a ReLU's output has none",
            )
        return Diagnosis(
            code="wrong_tensor_captured",
            title=f"the hook is on model[{other}], not on model[{index}]",
            explanation="Register the hook on the layer the caller asks for, model[index]; "
            "the index is an argument, not a constant.",
            slide=SLIDES,
            evidence=f"capture_activation(model, {index}) stored the output of model[{other}]",
        )
    return None


@check(points=0, fact=True)
def sequential_layout(sub: Submission) -> None:
    """make_sequential(4, 6, 5, 3) is an nn.Sequential: Linear, ReLU, Linear, ReLU, Linear."""
    report = sub.probe("layout", list(SIZES))
    if not isinstance(report, dict) or not isinstance(report.get("layers"), list):
        raise InvalidAnswer("the layout probe sent back no layers")
    kinds = [layer.get("kind") for layer in report["layers"] if isinstance(layer, dict)]
    if report.get("sequential") is not True:
        fail("make_sequential should return a torch.nn.Sequential")
    if kinds != LAYOUT:
        fail("the layers of the Sequential are not the lecture's five", expected=LAYOUT, got=kinds)
    shapes = [layer.get("weight") for layer in report["layers"] if layer.get("kind") == "Linear"]
    expected = [[6, 4], [5, 6], [3, 5]]
    if shapes != expected:
        fail(
            "the Linear layers have the wrong sizes (weight shapes are (out, in))",
            expected=expected,
            got=shapes,
        )


@check(points=3)
def same_logits_as_mlp(sub: Submission) -> None:
    """With the same weights, model(x) gives exercise 7's logits (no softmax in the Sequential)."""
    expect_logits(sub, SIZES, 800, 8, "model(x)")


@check(points=4)
def activation_is_relu_of_linear1(sub: Submission) -> None:
    """capture_activation(model, 1) stores relu(linear_1(x)): non-negative, one row per example."""
    x = inputs(801, 7, SIZES[0])
    report = run_capture(sub, SIZES, 802, 1, [x])
    expect_activation(
        report["items"][0], make_weights(SIZES, 802), x, 1, "the activation captured at index 1"
    )


@check(points=0, fact=True)
def activation_is_detached(sub: Submission) -> None:
    """The captured activation is detached from the graph (requires_grad is False)."""
    report = run_capture(sub, SIZES, 803, 1, [inputs(804, 3, SIZES[0])])
    attached = report.get("attached")
    if not isinstance(attached, list) or any(flag is not False for flag in attached):
        fail(
            "the stored activation is still part of the autograd graph (requires_grad=True): "
            "keeping it keeps the whole graph of that forward pass alive; store output.detach()"
        )


@check(points=0, fact=True)
def nothing_captured_after_remove(sub: Submission) -> None:
    """After handle.remove(), a forward pass adds nothing to the store."""
    report = run_capture(sub, SIZES, 805, 1, [inputs(806, 2, SIZES[0])])
    counts, after = report["counts"], report.get("after_remove")
    if after != counts[-1]:
        fail(
            "a forward pass after handle.remove() still captured something: is the handle "
            "returned the one of the hook that appends to the store, and was only one hook "
            "registered?",
            expected=counts[-1],
            got=after,
        )


ALIAS_OVERWRITTEN = Diagnosis(
    code="stored_alias_overwritten",
    title="the store keeps an alias that a later in-place layer overwrites",
    explanation="output.detach() shares its memory with output: a ReLU(inplace=True) after the "
    "hooked layer rewrites it, so the stored tensor ends up as the ReLU's output. Store a copy: "
    "output.detach().clone().",
    slide=SLIDES,
)


@check(points=1)
def capture_survives_inplace_relu(sub: Submission) -> None:
    """A Linear hooked before a ReLU(inplace=True) keeps its own output (a copy, not an alias)."""
    weights = make_weights(SIZES, 807)[:4]
    x = inputs(808, 6, SIZES[0])
    report = sub.probe("capture_before_inplace", weights, x)
    if not isinstance(report, dict) or not isinstance(report.get("items"), list):
        raise InvalidAnswer("the capture probe sent back no store")
    if len(report["items"]) != 1:
        fail(
            "one forward pass of Linear, ReLU(inplace=True), Linear with model[0] hooked should "
            f"store one tensor, stored {len(report['items'])}"
        )
    expected = F.linear(x, weights[0], weights[1])
    got = as_tensor(report["items"][0], "the output captured at model[0]", shape=expected.shape)
    relu = torch.relu(expected)
    diagnosis = ALIAS_OVERWRITTEN if diagnose.is_close(got.double(), relu.double()) else None
    if diagnosis is not None:
        diagnosis = diagnosis.model_copy(
            update={
                "evidence": f"the stored Linear output has no negative entries; it should have "
                f"{int((expected < 0).sum())}"
            }
        )
    expect_tensor(got, expected, "the output captured at model[0]", diagnosis=diagnosis)


CUT_GRAPH = Diagnosis(
    code="hook_output_replaced",
    title="the hook hands back a detached output, cutting the graph",
    explanation="A forward hook that returns a value replaces the layer's output with it. "
    "Returning the detached copy makes every layer before the hook invisible to backward, so "
    "the optimizer never trains them. Append the copy to the store and return nothing.",
    slide=SLIDES,
)


@check(points=1)
def hooked_model_still_trains(sub: Submission) -> None:
    """While capture_activation's hook is on model[1], backward reaches every Linear weight
    with the same gradient as without it (the hook only looks)."""
    weights, x = make_weights(SIZES, 809), inputs(810, 5, SIZES[0])
    upstream = inputs(811, 5, SIZES[3])
    report = loaded(sub.probe("gradients_while_hooked", list(SIZES), weights, x, upstream))
    leaves = [w.clone().requires_grad_(True) for w in weights]
    logits = mlp_activations(leaves, x)[4]
    expected = torch.autograd.grad((logits * upstream).sum(), leaves[::2])
    grads = report.get("grads")
    if not isinstance(grads, list) or len(grads) != 3:
        raise InvalidAnswer("the probe sent back no gradients for the three Linear layers")
    names = ("linear_1", "linear_2", "linear_out")
    for name, got, want in zip(names, grads, expected, strict=True):
        what = f"{name}.weight.grad with the hook on model[1]"
        if got is None:
            fail(f"{what} is None: no gradient reached the layer", diagnosis=CUT_GRAPH)
        # a model that is not exercise 7's fails here too: its gradients cannot be verified
        expect_tensor(as_tensor(got, what, shape=want.shape), want.detach(), what)
