"""Tests for the graph and loss misconceptions of grader.authoring.diagnose (graphs, losses and
the quotient rule's order): each fires on the mistake made with real torch code, and stays quiet
on the correct code and on mistakes that only look alike."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from grader.authoring.diagnose import (
    gradient_cut,
    graph_cut,
    graph_kept_alive,
    loss_sends_no_gradient,
    path_cut,
    quotient_numerator_reversed,
    sign_flipped,
)
from grader.authoring.errors import KNOWN_ERRORS

X1, W1, Y = 2.0, 0.5, 1.0  # exercise5
UPPER, LOWER, TOTAL = -0.26547441551, -0.54433233382, -0.80980674934
PATHS = {"upper": UPPER, "lower": LOWER}
Z = torch.tensor([[-0.3, -0.5, -0.5], [-0.4, -0.1, -0.5], [-0.3, -0.94, -0.5]])
TARGETS = torch.tensor([0, 1, 2])


def shared_weight_grad(cut_lower: bool = False, use_data: bool = False) -> float:
    w1 = torch.tensor(W1, dtype=torch.float64, requires_grad=True)
    z1 = w1 * X1
    inner = (z1.data if use_data else z1.detach()) if cut_lower else z1
    o = torch.sigmoid(z1) * torch.tanh(inner)
    ((Y - o) ** 2).backward()
    assert w1.grad is not None
    return w1.grad.item()


def test_path_cut_names_a_detached_path() -> None:
    for use_data in (False, True):
        found = path_cut(shared_weight_grad(True, use_data), TOTAL, PATHS)
        assert found is not None and found.code == "graph_cut"
        assert "lower path is missing" in found.evidence
        assert found.slide and found.explanation.startswith("Lecture 06")


def test_path_cut_stays_quiet_on_the_whole_graph_and_on_other_mistakes() -> None:
    assert path_cut(shared_weight_grad(), TOTAL, PATHS) is None
    assert path_cut(UPPER * LOWER, TOTAL, PATHS) is None  # multiplied: not a cut
    assert path_cut(-TOTAL, TOTAL, PATHS) is None


def test_gradient_cut_fires_on_zero_gradients_only() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    rewrapped = torch.tensor((x * 3).tolist(), requires_grad=True)  # a new leaf
    (rewrapped.sum() + 0 * x.sum()).backward()
    assert x.grad is not None
    found = gradient_cut(x.grad, torch.full((2,), 3.0))
    assert found is not None and found.code == "graph_cut"
    assert gradient_cut(torch.full((2,), 3.0), torch.full((2,), 3.0)) is None
    assert gradient_cut(torch.zeros(2), torch.zeros(2)) is None  # zero is right there
    assert gradient_cut(torch.tensor([0.0, 1.0]), torch.full((2,), 3.0)) is None


def test_graph_cut_reads_the_flag_strictly() -> None:
    x = torch.ones(2, requires_grad=True)
    found = graph_cut((x.detach() * 2).requires_grad, "the loss")
    assert found is not None and found.evidence == "the loss does not require grad"
    assert graph_cut((x * 2).requires_grad) is None
    assert graph_cut(None) is None and graph_cut(0) is None


def running_total(as_number: bool) -> object:
    w = torch.ones(3, requires_grad=True)
    total: object = 0.0
    for step in range(3):
        loss = ((w * step - 1) ** 2).mean()
        loss.backward()
        total += loss.item() if as_number else loss  # type: ignore[operator]
    return total


def test_graph_kept_alive_names_total_loss_plus_equals_loss() -> None:
    total = running_total(as_number=False)
    found = graph_kept_alive(getattr(total, "requires_grad", None), "the epoch's total loss")
    assert found is not None and found.code == "graph_kept_alive"
    assert "loss.item()" in found.explanation and "slide 35" in found.slide


def test_graph_kept_alive_stays_quiet_on_numbers() -> None:
    total = running_total(as_number=True)
    assert isinstance(total, float)
    assert graph_kept_alive(getattr(total, "requires_grad", None)) is None
    assert graph_kept_alive(torch.ones(1).sum().requires_grad) is None  # a tensor without graph
    assert graph_kept_alive("True") is None


def logits_gradient(loss_of: object) -> tuple[bool, torch.Tensor | None, torch.Tensor]:
    """(loss.requires_grad, the logits' .grad after backward, the right loss's gradient)."""
    logits = Z.clone().requires_grad_(True)
    loss = loss_of(logits)  # type: ignore[operator]
    loss.backward()
    right = Z.clone().requires_grad_(True)
    F.cross_entropy(right, TARGETS).backward()
    assert right.grad is not None
    return loss.requires_grad, logits.grad, right.grad


def test_loss_sends_no_gradient_names_a_rewrapped_loss() -> None:
    mistakes = [
        lambda z: torch.tensor(F.cross_entropy(z, TARGETS).item(), requires_grad=True),
        lambda z: F.cross_entropy(torch.tensor(z.tolist(), requires_grad=True), TARGETS),
        lambda z: F.cross_entropy(z.detach().requires_grad_(True), TARGETS) + 0 * z.sum(),
    ]
    for mistake in mistakes:
        requires_grad, grad, right = logits_gradient(mistake)
        found = loss_sends_no_gradient(requires_grad, grad, right)
        assert found is not None and found.code == "loss_detached_from_logits", mistake
        assert "slides 34-37" in found.slide


def test_loss_sends_no_gradient_stays_quiet_on_a_connected_loss() -> None:
    requires_grad, grad, right = logits_gradient(lambda z: F.cross_entropy(z, TARGETS))
    assert loss_sends_no_gradient(requires_grad, grad, right) is None
    requires_grad, grad, right = logits_gradient(lambda z: F.nll_loss(z.softmax(1), TARGETS))
    assert loss_sends_no_gradient(requires_grad, grad, right) is None  # wrong, but connected
    assert loss_sends_no_gradient(False, None, right) is None  # a cut graph, not this
    assert loss_sends_no_gradient(True, None, torch.zeros(3, 3)) is None


def quotient_parts(xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return torch.sin(xs), torch.cos(xs), torch.exp(xs), torch.exp(xs)


def test_quotient_numerator_reversed() -> None:
    xs = torch.tensor([0.5, 1.3, 2.1], dtype=torch.float64)
    f, df, g, dg = quotient_parts(xs)
    reversed_ = (f * dg - g * df) / g**2  # the product rule's order
    found = quotient_numerator_reversed(reversed_, f, df, g, dg)
    assert found is not None and found.code == "quotient_numerator_reversed"
    assert "Table D2" in found.slide
    # The same answer is a bare sign flip to the generic detector: this one says which rule.
    assert sign_flipped(reversed_, (g * df - f * dg) / g**2) is not None


def test_quotient_numerator_reversed_stays_quiet() -> None:
    xs = torch.tensor([0.5, 1.3, 2.1], dtype=torch.float64)
    f, df, g, dg = quotient_parts(xs)
    assert quotient_numerator_reversed((g * df - f * dg) / g**2, f, df, g, dg) is None
    assert quotient_numerator_reversed((g * df - f * dg) / g, f, df, g, dg) is None
    assert quotient_numerator_reversed(df / dg, f, df, g, dg) is None
    assert quotient_numerator_reversed("x", f, df, g, dg) is None
    assert quotient_numerator_reversed(f, f, df, torch.ones(2), dg) is None


def test_each_named_error_is_the_library_diagnosis() -> None:
    """The known-error table defines no diagnosis of its own: it points at the library's."""
    from grader.authoring import diagnose

    library = {id(getattr(diagnose, name)) for name in diagnose.__all__}
    assert all(id(known.diagnosis) in library for known in KNOWN_ERRORS)
