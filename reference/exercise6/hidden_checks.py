"""exercise6 hidden checks: a network of another shape, so hard-coded lecture numbers fail."""

from __future__ import annotations

from grader.authoring import Submission, check

SEED, SIZES = 6061, (4, 5, 3)  # d -> h1 -> h2, all different, so a transpose cannot hide


@check(points=2)
def hidden_grad_W1_other_shape(sub: Submission) -> None:
    """dl/dW1 equals autograd's at a seeded random 4 -> 5 -> 3 -> 1 network."""
    public = sub.exercise.module("checks")
    net = public.random_network(SEED, *SIZES)
    public.expect_gradient(sub, net, "grad_W1 at a random 4-5-3-1 network")


@check(points=1)
def hidden_path_terms_other_shape(sub: Submission) -> None:
    """The three path terms of dl/dW1[3,2] at a seeded random 4 -> 5 -> 3 -> 1 network."""
    public = sub.exercise.module("checks")
    net = public.random_network(SEED, *SIZES)
    public.expect_path_terms(sub, net, 3, 2, "path_terms(..., i=3, j=2) at a 4-5-3-1 network")
