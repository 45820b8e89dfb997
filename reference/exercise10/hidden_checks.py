"""exercise10 hidden checks: other features, split, seed, learning rate and minibatch size."""

from __future__ import annotations

from typing import Any

import torch

from grader.authoring import Submission, check, reference_answer

SPLIT_COLUMNS, SPLIT_SEED = (0, 3), 7  # sepal length and petal width, another shuffle


def other_settings(sub: Submission) -> Any:
    """Six epochs, lr 0.05, seed 7, minibatches of 8 (the last one holds 6 rows)."""
    return sub.exercise.module("checks").Settings(
        num_epochs=6, learning_rate=0.05, seed=7, minibatch_size=8
    )


@reference_answer
def reference_curve(
    sub: Submission, variant: str, x: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    """The reference solution's curve, computed judge-side without touching the global RNG."""
    reference = sub.exercise.reference
    checks = sub.exercise.module("checks")
    model = getattr(reference, checks.CLASSES[variant])(x.shape[1])
    train = getattr(reference, checks.TRAINERS[variant])
    settings = other_settings(sub)
    with torch.random.fork_rng():
        losses = train(
            model,
            x.clone(),
            y.clone(),
            settings.num_epochs,
            learning_rate=settings.learning_rate,
            seed=settings.seed,
            minibatch_size=settings.minibatch_size,
        )
    return torch.tensor(losses, dtype=torch.float64)


def expect_other_curve(sub: Submission, variant: str) -> None:
    checks = sub.exercise.module("checks")
    split = checks.load_split(sub, SPLIT_COLUMNS, SPLIT_SEED)
    expected = reference_curve(sub, variant, split.x_train, split.y_train)
    checks.expect_curve(sub, variant, split.x_train, split.y_train, other_settings(sub), expected)


@check(points=1)
def hidden_manual_backward_three_features(sub: Submission) -> None:
    """backward matches autograd for three features and seven rows (float64)."""
    gen = torch.Generator().manual_seed(4711)
    x = torch.randn(7, 3, generator=gen, dtype=torch.float64)
    y = (torch.rand(7, generator=gen, dtype=torch.float64) > 0.5).to(torch.float64)
    yhat = torch.randn(7, generator=gen, dtype=torch.float64) * 0.5 + 0.5
    sub.exercise.module("checks").expect_backward(sub, x, yhat, y, "backward, 3 features")


@check(points=1)
def hidden_train_manual_other_settings(sub: Submission) -> None:
    """train_manual honours learning_rate, seed and a minibatch size that does not divide N."""
    expect_other_curve(sub, "manual")


@check(points=1)
def hidden_train_autograd_other_settings(sub: Submission) -> None:
    """train_autograd honours learning_rate, seed and a minibatch size that does not divide N."""
    expect_other_curve(sub, "autograd")


@check(points=1)
def hidden_train_sgd_other_settings(sub: Submission) -> None:
    """train_sgd honours learning_rate, seed and a minibatch size that does not divide N."""
    expect_other_curve(sub, "sgd")
