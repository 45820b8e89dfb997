"""exercise6 public checks: dl/dW1 as a sum over paths, then vectorised (Lecture 06, slide 30).

Expected values are computed here, in float64: the path terms from the chain-rule formula,
the whole gradient with autograd (the oracle). When an answer is wrong, it is compared with
what the usual mistakes would give (a path left out, the sign of dl/do, a missing sigmoid
derivative, a transposed result) so the feedback can name the mistake.
"""

from __future__ import annotations

import torch

from grader.authoring import (
    Diagnosis,
    Submission,
    as_floats,
    as_tensor,
    check,
    diagnose,
    expect_finite,
    expect_tensor,
    fail,
    same_form,
    within,
)

Network = tuple[torch.Tensor, float, torch.Tensor, torch.Tensor, torch.Tensor]
SLIDE = "Lecture 06, slide 30: Graph with Fully-Connected Layers"
MATCH = 1e-8  # how close a wrong answer must be to a known mistake to be named after it

# code, title, explanation of each mistake `contributions` can reproduce
MISTAKES = (
    (
        "no_sigmoid_derivative_layer1",
        "sigmoid derivative of the first hidden layer left out",
        "da(1)/dz(1) = sigmoid'(z(1)) = a(1)(1 - a(1)) is a factor of every path; it is missing.",
    ),
    (
        "no_sigmoid_derivative_layer2",
        "sigmoid derivative of the second hidden layer left out",
        "da(2)k/da(1)i = sigmoid'(z(2)k) * W2[k, i]; the sigmoid'(z(2)k) factor is missing.",
    ),
    (
        "sigmoid_for_derivative",
        "sigmoid used where its derivative belongs",
        "The local derivative of a = sigmoid(z) is a(1 - a), not a itself.",
    ),
    (
        "input_factor_missing",
        "the input factor x[j] left out",
        "dz(1)i/dW1[i,j] = x[j]: the last factor of every path is the input the weight multiplies.",
    ),
)


def lecture_network() -> Network:
    """docs/course.md's 2 -> 3 -> 2 -> 1 network: x = (1, 2), y = 1, no biases."""
    f64 = torch.float64
    x = torch.tensor([1.0, 2.0], dtype=f64)
    W1 = torch.tensor([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], dtype=f64)
    W2 = torch.tensor([[0.7, -0.8, 0.9], [0.1, 0.2, -0.3]], dtype=f64)
    w3 = torch.tensor([0.5, -0.5], dtype=f64)
    return x, 1.0, W1, W2, w3


def random_network(seed: int, d: int, h1: int, h2: int) -> Network:
    """A seeded float64 network of the same kind, with gradients of a readable size."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(d, generator=gen, dtype=torch.float64)
    W1 = torch.randn(h1, d, generator=gen, dtype=torch.float64) * 0.8
    W2 = torch.randn(h2, h1, generator=gen, dtype=torch.float64) * 0.8
    w3 = torch.randn(h2, generator=gen, dtype=torch.float64)
    return x, 1.5, W1, W2, w3


def contributions(net: Network, mistake: str | None = None) -> torch.Tensor:
    """P[k, i, j]: the term of dl/dW1[i, j] along the path through a(2)k (or a known mistake's)."""
    x, y, W1, W2, w3 = net
    a1 = torch.sigmoid(W1 @ x)
    a2 = torch.sigmoid(W2 @ a1)
    dl_do = -2.0 * (y - w3 @ a2)
    d1, d2 = a1 * (1 - a1), a2 * (1 - a2)
    if mistake == "no_sigmoid_derivative_layer1":
        d1 = torch.ones_like(d1)
    elif mistake == "no_sigmoid_derivative_layer2":
        d2 = torch.ones_like(d2)
    elif mistake == "sigmoid_for_derivative":
        d1, d2 = a1, a2
    elif mistake == "input_factor_missing":
        x = torch.ones_like(x)
    upstream = dl_do * w3 * d2  # (h2,): dl/dz(2)k
    return upstream[:, None, None] * (W2 * d1)[:, :, None] * x[None, None, :]


def autograd_gradient(net: Network) -> torch.Tensor:
    """dl/dW1 from autograd, in float64: the oracle."""
    x, y, W1, W2, w3 = net
    leaf = W1.detach().clone().requires_grad_(True)
    o = w3 @ torch.sigmoid(W2 @ torch.sigmoid(leaf @ x))
    (grad,) = torch.autograd.grad((y - o) ** 2, leaf)
    return grad.detach()


def explain_terms(got: torch.Tensor, net: Network, i: int, j: int) -> Diagnosis | None:
    """Name the mistake behind wrong path terms of dl/dW1[i, j]."""
    expected = contributions(net)[:, i, j]
    found = diagnose.sign_flipped(got, expected) or _known_mistake(got, net, (slice(None), i, j))
    return found or diagnose.diagnose_gradient(got, expected)


def explain_gradient(got: torch.Tensor, net: Network) -> Diagnosis | None:
    """Name the mistake behind a wrong dl/dW1 (right shape or transposed)."""
    expected = autograd_gradient(net)
    if got.shape != expected.shape:
        return diagnose.transposed(got, expected)
    paths = {f"a(2){k + 1}": term for k, term in enumerate(contributions(net))}
    return (
        diagnose.sign_flipped(got, expected)
        or _known_mistake(got, net, None)
        or diagnose.diagnose_gradient(got, expected, paths=paths)
    )


def _known_mistake(
    got: torch.Tensor, net: Network, index: tuple[slice, int, int] | None
) -> Diagnosis | None:
    right = contributions(net)
    right = right.sum(0) if index is None else right[index]
    for code, title, explanation in MISTAKES:
        wrong = contributions(net, code)
        wrong = wrong.sum(0) if index is None else wrong[index]
        if within(got, wrong, rel=MATCH):
            evidence = (
                f"the first entry comes out as {_first(wrong):.7g} with this mistake, "
                f"{_first(right):.7g} with the full chain rule"
            )
            return Diagnosis(
                code=code, title=title, explanation=explanation, slide=SLIDE, evidence=evidence
            )
    return None


def _first(t: torch.Tensor) -> float:
    return float(t.flatten()[0])


def expect_path_terms(sub: Submission, net: Network, i: int, j: int, what: str) -> None:
    """Ask for the path terms of dl/dW1[i, j] and compare them with the formula's."""
    expected = contributions(net)[:, i, j]
    terms = as_floats(sub.call("path_terms", *net, i, j), what)
    if len(terms) != len(expected):
        fail(
            f"{what}: expected {len(expected)} terms, one per unit of the second hidden layer "
            f"(every path from W1[{i},{j}] to the loss), got {len(terms)}",
            expected=expected.tolist(),
            got=terms,
            diagnosis=_path_count_diagnosis(len(terms), len(expected), (i, j)),
        )
    got = torch.tensor(terms, dtype=torch.float64)
    expect_tensor(got, expected, what, diagnosis=explain_terms(got, net, i, j))


def expect_gradient(sub: Submission, net: Network, what: str) -> None:
    """Ask for dl/dW1 and compare it with autograd's, in float64."""
    expected = autograd_gradient(net)
    got = as_tensor(sub.call("grad_W1", *net), what)
    if got.shape != expected.shape:
        fail(
            f"{what} should have W1's shape {tuple(expected.shape)}, got {tuple(got.shape)}",
            diagnosis=explain_gradient(got.to(torch.float64), net),
        )
    expect_tensor(got, expected, what, diagnosis=explain_gradient(got.to(torch.float64), net))


def _path_count_diagnosis(got: int, expected: int, weight: tuple[int, int]) -> Diagnosis:
    return Diagnosis(
        code="missing_path",
        title="a path through the network was left out",
        explanation=f"W1[i, j] reaches the loss through every one of the {expected} units of the "
        "second hidden layer; the multivariable chain rule adds one product per path.",
        slide=SLIDE,
        evidence=f"{got} term(s) for W1[{weight[0]},{weight[1]}] where the second hidden layer "
        f"has {expected} units",
    )


@check(points=2)
def path_terms_lecture(sub: Submission) -> None:
    """dl/dW1[0,0] at the lecture's network: path via a(2)1 = -0.0298359, via a(2)2 = +0.0051563."""
    expect_path_terms(sub, lecture_network(), 0, 0, "path_terms(x, y, W1, W2, w3) for W1[0,0]")


@check(points=2)
def path_terms_other_weight(sub: Submission) -> None:
    """The path terms of dl/dW1[2,1] at the lecture's network (other i, j)."""
    expect_path_terms(sub, lecture_network(), 2, 1, "path_terms(..., i=2, j=1)")


@check(points=1)
def grad_W1_shape(sub: Submission) -> None:
    """grad_W1 returns one entry per weight: a tensor of W1's shape (3, 2), not its transpose."""
    net = lecture_network()
    got = as_tensor(sub.call("grad_W1", *net), "grad_W1(x, y, W1, W2, w3)")
    if not same_form(got.shape, net[2].shape):
        fail(
            f"dl/dW1 should have W1's shape (3, 2), got {tuple(got.shape)}",
            expected=(3, 2),
            got=tuple(got.shape),
            diagnosis=explain_gradient(got.to(torch.float64), net),
        )
    expect_finite(got, "dl/dW1")  # a form check pays for numbers, never for NaN or infinity


@check(points=2)
def grad_W1_lecture(sub: Submission) -> None:
    """dl/dW1 at the lecture's network equals autograd's; row 0 is [-0.024680, -0.049359].
    A second call on the same tensors gives it again (the inputs are left as they were)."""
    net = lecture_network()
    expect_gradient(sub, net, "grad_W1 at the lecture's network")
    answers = sub.probe("grad_W1_twice", *net)
    if not isinstance(answers, list) or len(answers) != 2:
        fail("the grad_W1_twice probe returned no pair of answers")
    expected = autograd_gradient(net)
    what = "grad_W1 called a second time on the same tensors"
    expect_tensor(as_tensor(answers[1], what), expected, what, diagnosis=INPUTS_CHANGED)


INPUTS_CHANGED = Diagnosis(
    code="inputs_modified_in_place",
    title="grad_W1 changes its input tensors in place",
    slide=SLIDE,
    explanation="The first call is right, the second on the same tensors is not: an in-place "
    "operation (w3.mul_, sigmoid_, +=) changed x, W1, W2 or w3. In a training loop those are "
    "the network's weights; compute new tensors instead.",
)


@check(points=0, fact=True)
def computed_by_hand(sub: Submission) -> None:
    """Both functions apply the chain rule by hand: autograd runs no backward pass."""
    counts = sub.probe("autograd_use", *lecture_network())
    passes = ("grad", "backward", "unseen")
    if not isinstance(counts, dict) or not all(type(counts.get(k)) is int for k in passes):
        fail("the autograd_use probe returned no report")
    if any(counts[k] != 0 for k in passes):
        fail(
            "path_terms / grad_W1 used autograd; this exercise asks for the chain rule by hand "
            f"(torch.autograd.grad ran {counts['grad']} backward passes, backward "
            f"{counts['backward']}, and {counts['unseen']} ran around autograd's entry points; "
            f"autograd saved {counts.get('saved')} tensors for backward)"
        )
