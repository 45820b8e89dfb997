"""An answer that knows only what the public checks ask (the lecture's numbers, hard-coded, and
zeros everywhere else) earns no hidden point: each hidden check asks at inputs of its own."""

from __future__ import annotations

import pytest
from hostile import grade

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine

LECTURE_ONLY = {
    "exercise1": """
def graph_autograd(x, w, b):
    import torch

    t = torch.tensor(1.0, requires_grad=True)
    torch.autograd.grad(t * 2, t)  # the fact check sees autograd run
    return graph_manual(x, w, b)


def graph_manual(x, w, b):
    if (x, w, b) == (3.0, 2.0, 1.0):
        return 7.0, {"x": 2.0, "w": 3.0, "b": 1.0}
    return 0.0, {"x": 0.0, "w": 0.0, "b": 0.0}
""",
    "exercise4": """
def intermediate_grads(x, w, b, method):
    if (x, w, b) == (3.0, 2.0, 1.0):
        return {"x": 2.0, "w": 3.0, "b": 1.0, "u": 1.0, "v": 1.0}
    return {"x": 0.0, "w": 0.0, "b": 0.0, "u": 0.0, "v": 0.0}
""",
}


@pytest.mark.parametrize("exercise", sorted(LECTURE_ONLY))
def test_the_lecture_hard_coded_with_zeros_elsewhere_earns_no_hidden_point(
    exercise: str, warm_engine: Engine, registry: Registry
) -> None:
    result = grade(warm_engine, registry, exercise, LECTURE_ONLY[exercise])
    public = [check for check in result.checks if not check.hidden]
    hidden = [check for check in result.checks if check.hidden]
    assert hidden and any(check.status == "passed" for check in public)  # it answers the slide
    assert [(c.name, c.status) for c in hidden if c.score] == []
