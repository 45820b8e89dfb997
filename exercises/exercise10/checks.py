"""exercise10 public checks: the three ADALINEs of the notebook, on the lecture's Iris split."""

from __future__ import annotations

from typing import Any, NamedTuple

import torch

from grader.authoring import (
    Diagnosis,
    InvalidAnswer,
    Submission,
    as_float,
    as_tensor,
    check,
    diagnose,
    expect_finite,
    expect_tensor,
    fail,
    far_from,
    reference_answer,
    same_form,
    within_tolerance,
)

CLASSES = {"manual": "Adaline1", "autograd": "Adaline2", "sgd": "Adaline3"}
TRAINERS = {"manual": "train_manual", "autograd": "train_autograd", "sgd": "train_sgd"}

# The notebook's curve (lecture settings), as torch 2.13 computes it in float32; the notebook
# prints these rounded: 0.38849, 0.31679, 0.26379, ... 0.10105, 0.10025.
NOTEBOOK_MSE = (
    0.38849476,
    0.31678557,
    0.26378825,
    0.22462853,
    0.19526821,
    0.1730745,
    0.15628883,
    0.14351825,
    0.13359942,
    0.12600343,
    0.12006858,
    0.11547475,
    0.11177503,
    0.10883613,
    0.10656121,
    0.10469909,
    0.10319999,
    0.10200256,
    0.1010459,
    0.10025281,
)


class Settings(NamedTuple):
    num_epochs: int
    learning_rate: float
    seed: int
    minibatch_size: int


LECTURE = Settings(num_epochs=20, learning_rate=0.01, seed=123, minibatch_size=10)


def _diagnosis(code: str, title: str, text: str, evidence: str = "") -> Diagnosis:
    return Diagnosis(
        code=code,
        title=title,
        explanation=text,
        slide="Lecture 06, ADALINE with autograd",
        evidence=evidence,
    )


COLUMN_BROADCAST = _diagnosis(
    "column_predictions",
    "(N, 1) predictions broadcast against (N,) targets",
    "x @ w + b has shape (N, 1); y - yhat then broadcasts to an (N, N) matrix and the MSE "
    "averages the wrong numbers. The notebook flattens with .view(-1).",
)
# Last-epoch MSE of known mistakes under the lecture settings, per training variant.
LECTURE_FINGERPRINTS: tuple[tuple[str, float, Diagnosis], ...] = (
    (
        "manual",
        0.12628484,
        _diagnosis(
            "constant_factor",
            "the factor 2 of d(y - yhat)^2/dyhat is missing",
            "dL/dyhat = -2 (y - yhat) / N; without the 2 every step is half as long.",
        ),
    ),
    (
        "manual",
        0.09634975,
        _diagnosis(
            "sum_not_mean",
            "the gradient is summed over the minibatch, not averaged",
            "The MSE is a mean, so its gradient carries 1/N; without it each step is N times "
            "longer.",
        ),
    ),
    (
        "sgd",
        0.09634975,
        _diagnosis(
            "sum_not_mean",
            "the loss sums over the minibatch instead of averaging",
            "F.mse_loss averages by default; a summed loss makes each step N times longer.",
        ),
    ),
    (
        "sgd",
        0.18400820,
        _diagnosis(
            "accumulated_gradients",
            "gradients accumulate across steps (zero_grad is missing)",
            "loss.backward() adds to .grad; without optimizer.zero_grad() every step also "
            "applies all the earlier minibatches' gradients. ADALINE then ends at 0.184, "
            "not 0.100.",
        ),
    ),
    ("autograd", 0.25145262, COLUMN_BROADCAST),
    ("sgd", 0.25145262, COLUMN_BROADCAST),
)


@reference_answer
def load_split(sub: Submission, columns: tuple[int, int] = (1, 2), seed: int = 123) -> Any:
    """The notebook's Iris split, loaded judge-side by the exercise's probes module."""
    probes = sub.exercise.probes
    if probes is None:
        raise RuntimeError("exercise10 needs its probes.py")
    return probes.load_iris(sub.exercise.folder / "iris.data", columns, seed)


def negative_gradient(
    x: torch.Tensor, yhat: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(-dL/dw, -dL/db) of the MSE at predictions yhat = x @ w + b, by autograd (judge-side)."""
    w = torch.zeros(x.shape[1], 1, dtype=x.dtype, requires_grad=True)
    b = torch.zeros(1, dtype=x.dtype, requires_grad=True)
    loss = torch.mean((y - (yhat + (x @ w + b).view(-1))) ** 2)
    grad_w, grad_b = torch.autograd.grad(loss, [w, b])
    return -grad_w, -grad_b.reshape(())


def expect_backward(
    sub: Submission, x: torch.Tensor, yhat: torch.Tensor, y: torch.Tensor, what: str
) -> None:
    """Adaline1.backward(x, yhat, y) against autograd's negative gradient."""
    answer = sub.probe("manual_backward", x, yhat, y)
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise InvalidAnswer(f"{what} should return a pair (negative_grad_w, negative_grad_b)")
    want_w, want_b = negative_gradient(x, yhat, y)
    got_w = as_tensor(answer[0], f"{what}: negative_grad_w")
    if tuple(got_w.shape) != tuple(want_w.shape):
        fail(
            f"{what}: negative_grad_w has shape {tuple(got_w.shape)}; it must have the "
            f"weight's shape {tuple(want_w.shape)} so that weight += lr * it works",
            diagnosis=diagnose.diagnose_gradient(got_w, want_w),
        )
    got_b = as_tensor(answer[1], f"{what}: negative_grad_b")
    if got_b.numel() != 1:
        fail(
            f"{what}: negative_grad_b should be one number, got shape {tuple(got_b.shape)}",
            diagnosis=diagnose.broadcast_not_reduced(got_b, want_b),
        )
    got = torch.cat([got_w.flatten(), got_b.flatten()]).to(x.dtype)
    want = torch.cat([want_w.flatten(), want_b.flatten()])
    diagnosis = diagnose.diagnose_gradient(got, want, batch_size=x.shape[0])
    if diagnosis is not None and diagnosis.code == "sign_flipped":
        diagnosis = diagnosis.model_copy(
            update={
                "explanation": diagnosis.explanation
                + " backward returns the negative gradient (-dL/dw, -dL/db): the loop adds it."
            }
        )
    expect_tensor(got, want, f"{what}: (negative_grad_w, negative_grad_b)", diagnosis=diagnosis)


LAST_MINIBATCH = _diagnosis(
    "last_minibatch_loss",
    "the epoch's value is the last minibatch's loss",
    "After each epoch, compute the MSE of the whole training set with the updated weights "
    "(yhat = model.forward(x); loss over all rows) and append that; one minibatch's loss, "
    "taken before its step, jumps up and down from epoch to epoch.",
)
MEAN_OF_MINIBATCHES = _diagnosis(
    "mean_of_minibatch_losses",
    "the epoch's value is the mean of its minibatch losses",
    "Each minibatch's loss is taken before its own step, while the weights still change; the "
    "notebook logs the MSE of the whole training set after the epoch, with the final weights.",
)


def logged_curves(x: torch.Tensor, y: torch.Tensor, settings: Settings) -> dict[str, list[float]]:
    """What a correct trainer gives if it logs, per epoch, the last minibatch's loss or the mean
    of the minibatch losses (each before its step) instead of the training set's MSE after the
    epoch: plain float32 gradient descent, judge-side, without touching the global RNG."""
    curves: dict[str, list[float]] = {"last": [], "mean": []}
    w = torch.zeros(x.shape[1], 1)
    b = torch.zeros(1)
    with torch.random.fork_rng():
        torch.manual_seed(settings.seed)
        for _ in range(settings.num_epochs):
            losses = []
            order = torch.randperm(y.size(0), dtype=torch.long)
            for idx in torch.split(order, settings.minibatch_size):
                yhat = (x[idx] @ w + b).view(-1)
                losses.append(torch.mean((yhat - y[idx]) ** 2).item())
                grad_yhat = -2.0 * (y[idx] - yhat) / idx.numel()
                w -= settings.learning_rate * (x[idx].t() @ grad_yhat.view(-1, 1))
                b -= settings.learning_rate * grad_yhat.sum()
            curves["last"].append(losses[-1])
            curves["mean"].append(sum(losses) / len(losses))
    return curves


def explain_logging(
    got: torch.Tensor, x: torch.Tensor, y: torch.Tensor, settings: Settings
) -> Diagnosis | None:
    """The curve is a correct run's, logged with another number (last or mean minibatch loss)."""
    curves = logged_curves(x, y, settings)
    for key, found in (("last", LAST_MINIBATCH), ("mean", MEAN_OF_MINIBATCHES)):
        other = torch.tensor(curves[key], dtype=torch.float64)
        if other.shape == got.shape and within_tolerance(got, other, rtol=1e-4, atol=1e-6):
            return found
    return None


def explain_curve(
    got: torch.Tensor, variant: str, fingerprints: tuple[tuple[str, float, Diagnosis], ...] = ()
) -> Diagnosis | None:
    """Name the mistake a wrong loss curve shows: no change, ascent, or a known fingerprint.

    Ascent needs a curve that grows: a last value above the first *and* at least two thirds of
    the epochs going up (or a blow-up to inf/NaN). A noisy curve that ends higher is not
    ascent (e.g. the last minibatch's loss logged instead of the training set's MSE)."""
    if got.numel() >= 2 and torch.all(got == got[0]):
        return _diagnosis(
            "parameters_unchanged",
            "the parameters never change",
            "Every epoch ends with the same MSE: no update reaches the weights.",
        )
    steps = got[1:] - got[:-1]
    rising = 3 * int((steps > 0).sum().item()) >= 2 * max(1, steps.numel())  # 2/3 go up
    if got.numel() >= 2 and (
        not bool(torch.isfinite(got[-1])) or (bool(got[-1] > got[0]) and rising)
    ):
        return _diagnosis(
            "gradient_ascent",
            "the update moves along the gradient, not against it",
            "Gradient descent is w := w - lr * dL/dw = w + lr * (negative gradient); slide 35's "
            "'w := w + learning_rate x gradient' is only right for the negative gradient.",
            f"the MSE grows from {got[0].item():.5f} to {got[-1].item():.5f}",
        )
    for owner, last, found in fingerprints:
        if owner == variant and within_tolerance(got[-1].item(), last, rtol=1e-4, atol=0.0):
            return found.model_copy(update={"evidence": f"the last epoch's MSE is {last:.5f}"})
    return None


LOSS_AS_TENSOR = _diagnosis(
    "loss_as_tensor",
    "the losses are kept as tensors",
    "cost.append(curr_loss) keeps a 0-dim tensor (the notebook does this); append "
    "curr_loss.item(), a Python float that holds no graph and no memory of the tensor.",
)


def curve_values(report: dict[str, Any], trainer: str, length: int) -> list[float]:
    """The returned losses as numbers: Python floats, or one-element floating tensors (their
    type is charged once, by losses_are_python_floats; the curve checks compare the values)."""
    value = report.get("losses")
    if not isinstance(value, (list, tuple)):
        raise InvalidAnswer(f"the losses {trainer} returned should be a list of floats")
    if len(value) != length:
        raise InvalidAnswer(f"the losses {trainer} returned should have {length} entries")
    what = f"the losses {trainer} returned"
    return [as_float(v, f"{what}[{i}]", finite=False) for i, v in enumerate(value)]


def expect_curve(
    sub: Submission,
    variant: str,
    x: torch.Tensor,
    y: torch.Tensor,
    settings: Settings,
    expected: torch.Tensor,
    fingerprints: tuple[tuple[str, float, Diagnosis], ...] = (),
) -> dict[str, Any]:
    """Train a fresh model with the student's trainer; compare the per-epoch MSE curve."""
    report = sub.probe("train_curve", variant, x, y, *settings)
    if not isinstance(report, dict):
        raise InvalidAnswer("the training probe returned no report")
    trainer = TRAINERS[variant]
    # not finite: a diverging curve is a wrong answer that explain_curve can name
    losses = curve_values(report, trainer, settings.num_epochs)
    got = torch.tensor(losses, dtype=torch.float64)
    if not within_tolerance(got, expected):
        epoch = int(far_from(got, expected).nonzero()[0].item())
        fail(
            f"{trainer}: the MSE after epoch {epoch + 1} is {got[epoch].item():.5f}, "
            f"expected {expected[epoch].item():.5f}",
            expected=[round(v, 5) for v in expected.tolist()],
            got=[round(v, 5) for v in losses],
            diagnosis=explain_logging(got, x, y, settings)
            or explain_curve(got, variant, fingerprints),
        )
    return report


@check(points=0, fact=True)
def models_start_at_zero(sub: Submission) -> None:
    """All three ADALINEs start from zero weights and bias, with the notebook's shapes."""
    for variant, (w_shape, grad) in {
        "manual": ((2, 1), False),
        "autograd": ((2, 1), True),
        "sgd": ((1, 2), True),
    }.items():
        state = sub.probe("initial_state", variant, 2)
        if not isinstance(state, dict):
            raise InvalidAnswer("the probe returned no report")
        name = CLASSES[variant]
        if variant == "sgd" and not (state.get("is_module") and state.get("linear_is_linear")):
            fail(
                "Adaline3 must be a torch.nn.Module with an nn.Linear(num_features, 1) "
                "attribute called `linear`"
            )
        for part, shape in (("weight", w_shape), ("bias", (1,))):
            where = f"{name}.{'linear.' if variant == 'sgd' else ''}{part}"
            facts = state.get(part)
            if not isinstance(facts, dict):
                fail(f"{where} is missing or not a tensor")
            value = as_tensor(facts.get("value"), where, shape=shape, dtype=torch.float32)
            if not torch.equal(value, torch.zeros(shape)):
                fail(
                    f"{where} should start at zero",
                    expected=torch.zeros(shape),
                    got=value,
                    diagnosis=_diagnosis(
                        "random_init",
                        "nn.Linear starts from random values",
                        "The notebook zeroes the layer's weight and bias after creating it.",
                    )
                    if variant == "sgd"
                    else None,
                )
            if facts.get("requires_grad") is not grad:
                fail(
                    f"{where}.requires_grad should be {grad}"
                    + (": Adaline1 computes its gradients by hand" if not grad else "")
                )


@check(points=1)
def forward_returns_one_value_per_row(sub: Submission) -> None:
    """forward(x) is x @ w + b flattened to shape (N,), for all three ADALINEs."""
    x = torch.tensor([[1.0, 2.0], [-0.5, 0.25], [0.0, -1.5], [3.0, 0.5]])
    w, b = torch.tensor([0.5, -1.0]), torch.tensor([0.25])
    for variant, name in CLASSES.items():
        got = as_tensor(sub.probe("forward_values", variant, x, w, b), f"{name}.forward(x)")
        if tuple(got.shape) != (4,):
            fail(
                f"{name}.forward(x) for 4 rows has shape {tuple(got.shape)}, expected (4,)",
                diagnosis=COLUMN_BROADCAST if got.numel() == 4 else None,
            )
        expect_tensor(got, x @ w + b, f"{name}.forward(x) with w = [0.5, -1], b = 0.25")


@check(points=1)
def manual_backward_at_zero_init(sub: Submission) -> None:
    """At zero init on the Iris data, backward gives -dL/dw = [0.2426, 0.7682], -dL/db = 0.9714."""
    split = load_split(sub)
    yhat = torch.zeros_like(split.y_train)
    expect_backward(sub, split.x_train, yhat, split.y_train, "backward at zero init")


@check(points=1)
def manual_backward_matches_autograd(sub: Submission) -> None:
    """backward's negative gradient equals autograd's in float64 (relative error < 1e-10)."""
    gen = torch.Generator().manual_seed(1006)
    x = torch.randn(6, 2, generator=gen, dtype=torch.float64)
    y = torch.randn(6, generator=gen, dtype=torch.float64)
    yhat = torch.randn(6, generator=gen, dtype=torch.float64)
    expect_backward(sub, x, yhat, y, "backward on 6 random float64 rows")


@check(points=1)
def train_manual_reproduces_notebook(sub: Submission) -> None:
    """train_manual with Adaline1 prints the notebook's curve: 0.38849, 0.31679, ... 0.10025."""
    split = load_split(sub)
    expect_curve(
        sub,
        "manual",
        split.x_train,
        split.y_train,
        LECTURE,
        torch.tensor(NOTEBOOK_MSE, dtype=torch.float64),
        LECTURE_FINGERPRINTS,
    )


@check(points=2)
def train_autograd_reproduces_notebook(sub: Submission) -> None:
    """train_autograd with Adaline2 gives the same curve as the hand-written gradients."""
    split = load_split(sub)
    expect_curve(
        sub,
        "autograd",
        split.x_train,
        split.y_train,
        LECTURE,
        torch.tensor(NOTEBOOK_MSE, dtype=torch.float64),
        LECTURE_FINGERPRINTS,
    )


@check(points=0, fact=True)
def train_autograd_keeps_leaf_parameters(sub: Submission) -> None:
    """After train_autograd, weight and bias are still leaves (grad_fn None, requires_grad True)."""
    split = load_split(sub)
    short = Settings(num_epochs=2, learning_rate=0.01, seed=123, minibatch_size=10)
    report = sub.probe("train_curve", "autograd", split.x_train, split.y_train, *short)
    if not isinstance(report, dict):
        raise InvalidAnswer("the training probe returned no report")
    for part in ("weight", "bias"):
        facts = report.get(part)
        if not isinstance(facts, dict):
            fail(f"after training, Adaline2.{part} is missing or not a tensor")
        if facts.get("grad_fn") is not None or facts.get("is_leaf") is not True:
            fail(
                f"after training, Adaline2.{part} has grad_fn={facts.get('grad_fn')}: it is no "
                "longer a leaf",
                diagnosis=_diagnosis(
                    "non_leaf_parameters",
                    "an out-of-place update made the weights non-leaves",
                    "w = w - lr * grad builds a new tensor inside the graph (the notebook's own "
                    "printout shows grad_fn=<AddBackward0>). Update in place under "
                    "torch.no_grad(): with torch.no_grad(): w -= lr * grad.",
                    "after one minibatch",
                ),
            )
        if facts.get("requires_grad") is not True:
            fail(
                f"after training, Adaline2.{part}.requires_grad is False: later epochs cannot "
                "differentiate through it (was it rebuilt, or updated through .data/detach?)"
            )


@check(points=2)
def train_sgd_reproduces_notebook(sub: Submission) -> None:
    """train_sgd with Adaline3 and torch.optim.SGD gives the notebook's curve too."""
    split = load_split(sub)
    expect_curve(
        sub,
        "sgd",
        split.x_train,
        split.y_train,
        LECTURE,
        torch.tensor(NOTEBOOK_MSE, dtype=torch.float64),
        LECTURE_FINGERPRINTS,
    )


@check(points=1)
def losses_are_python_floats(sub: Submission) -> None:
    """Each trainer returns its per-epoch MSE as Python floats (.item()), not as tensors."""
    split = load_split(sub)
    short = Settings(num_epochs=2, learning_rate=0.01, seed=123, minibatch_size=10)
    for variant, trainer in TRAINERS.items():
        report = sub.probe("train_curve", variant, split.x_train, split.y_train, *short)
        if not isinstance(report, dict):
            raise InvalidAnswer("the training probe returned no report")
        curve_values(report, trainer, short.num_epochs)  # numbers of some kind, 2 of them
        kinds = {type(v).__name__ for v in report["losses"]}
        if any(isinstance(v, torch.Tensor) for v in report["losses"]):
            fail(
                f"{trainer} returned its losses as tensors, not Python floats",
                got=sorted(kinds),
                diagnosis=LOSS_AS_TENSOR,
            )
        # The judge reads each entry's type off the data it received: a value comparison.
        numbers = ["number" if _python_number(v) else type(v).__name__ for v in report["losses"]]
        if not same_form(numbers, ["number"] * short.num_epochs):
            raise InvalidAnswer(f"{trainer} should return Python floats, got {sorted(kinds)}")
        for epoch, loss in enumerate(report["losses"], start=1):  # numbers, never NaN or inf
            expect_finite(loss, f"{trainer}: the MSE of epoch {epoch}")


def _python_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
