"""Gradient diagnostics: name the misconception behind a wrong answer, the way a TA would.

Judge-side only. Every detector sees plain tensors and floats that already crossed the
sandbox boundary (or that the judge computed from the reference); none imports or calls
student code. Each detector is a small pure function that returns a `Diagnosis` or None,
and none raises on odd input (wrong types, shape mismatch, NaN, Inf, empty): it returns None.

Comparisons are made in float64. Two values count as equal when their largest difference
is within `RTOL` of the largest magnitude involved, loose enough for float32 answers and
tight enough not to mistake a wrong factor for a right one. A detector only fires when the
answer is also *not* equal to the expected value.

    diagnosis = diagnose_gradient(got, expected, x=x, grad_output=upstream)
    fail("the gradient is wrong", expected=expected, got=got, diagnosis=diagnosis)

`data_not_on_device` is the exception to both rules: it reads a probe's record of devices
through the caller's reader (whose errors propagate) and says *what* was off the device, for
the exercise to word its own diagnosis.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from itertools import combinations
from math import isfinite
from types import MappingProxyType
from typing import Literal, NamedTuple, TypeAlias

import torch
import torch.nn.functional as F

from grader.outputs.models import Diagnosis

Value: TypeAlias = torch.Tensor | float
RTOL = 1e-5
ATOL = 1e-12
MAX_PATHS = 8

ZERO_DERIVATIVE_SOURCES: Mapping[float, str] = MappingProxyType(
    {
        1.0: "as with clamp(min=0) or torch.where(x >= 0, ...)",
        0.5: "as with torch.maximum(x, 0) or (x + x.abs()) / 2",
    }
)


def as_float64(value: object) -> torch.Tensor | None:
    """A finite, non-empty float64 CPU copy of a tensor or number; None for anything else."""
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, torch.Tensor):
            if value.layout != torch.strided or value.is_complex():
                return None
            tensor = value.detach().to(device="cpu", dtype=torch.float64)
        else:
            tensor = torch.as_tensor(value, dtype=torch.float64)
        if tensor.numel() == 0 or not bool(torch.isfinite(tensor).all()):
            return None
        return tensor
    except Exception:  # odd input of any kind means "no diagnosis", never an error
        return None


def is_close(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Same shape and max|a - b| <= RTOL * max(|a|, |b|) (+ a tiny floor); empty is close."""
    if a.shape != b.shape:
        return False
    if a.numel() == 0:
        return True
    scale = max(a.abs().max().item(), b.abs().max().item())
    return (a - b).abs().max().item() <= RTOL * scale + ATOL


def sign_flipped(got: Value, expected: Value) -> Diagnosis | None:
    """Every element is the negative of the expected one."""
    pair = _wrong_pair(got, expected)
    if pair is None or not is_close(pair[0], -pair[1]):
        return None
    return _found(
        "sign_flipped",
        "the gradient has the wrong sign",
        "differentiation rules",
        "the size is right, the sign is not; check each minus sign "
        "(d/do (y - o)^2 = -2(y - o); the reciprocal rule -f'/f^2).",
        _evidence(*pair),
    )


def constant_factor(got: Value, expected: Value, batch_size: int | None = None) -> Diagnosis | None:
    """Every element is the same multiple of the expected one (2, 1/2, the batch size, ...)."""
    pair = _wrong_pair(got, expected)
    if pair is None or is_close(pair[0], torch.zeros_like(pair[0])):
        return None
    g, e = pair
    energy = (e * e).sum().item()
    k = (g * e).sum().item() / energy if energy > 0 else 0.0
    if not isfinite(k) or k == 0 or abs(k + 1) < RTOL or not is_close(g, k * e):
        return None
    name = _factor_name(k, batch_size)
    informative = torch.unique(e[e != 0].abs()).numel() >= 2
    if name is None and not informative:
        return None
    shown = name or f"{k:.6g}"
    if batch_size is not None and name in (str(batch_size), f"1/{batch_size}"):
        why = f"the factor is the batch size {batch_size}: a sum where a mean belongs, or back"
    else:
        why = "one factor of the chain-rule product is missing or extra (a 2 from the power "
        why += "rule, an input such as x1, the 1/N of a mean)"
    return _found(
        "constant_factor",
        f"the gradient is {shown} times the right value",
        "chain rule",
        f"every element is off by the same factor; {why}.",
        _evidence(g, e) + f" (ratio {shown})",
    )


def transposed(got: Value, expected: Value) -> Diagnosis | None:
    """A matrix gradient came back as its transpose (dl/dW with W.T's layout)."""
    pair = _pair(got, expected)
    if pair is None or pair[1].dim() != 2:
        return None
    g, e = pair
    if is_close(g, e) or not is_close(g, e.t()):
        return None
    if g.shape != e.shape:
        shown = f"expected shape {tuple(e.shape)}, got {tuple(g.shape)}, the transpose"
    else:
        shown = _evidence(g, e) + " (the transposed element)"
    return _found(
        "transposed",
        "the gradient is transposed",
        "slide 30 (fully-connected layers)",
        "dl/dW has the shape of W, one row per output unit; "
        "check the order of upstream gradient and input.",
        shown,
    )


def missing_path(got: Value, expected: Value, paths: Mapping[str, Value]) -> Diagnosis | None:
    """The answer lacks the term of one path (or several) of a shared weight."""
    pair = _wrong_pair(got, expected)
    terms = _path_terms(paths, pair[1]) if pair is not None else None
    if pair is None or terms is None:
        return None
    g, e = pair
    for size in range(1, len(terms)):
        for missing in combinations(terms, size):
            if is_close(g, e - sum((terms[name] for name in missing), torch.zeros_like(e))):
                return _missing_diagnosis(list(missing), terms, g, e)
    return None


def paths_multiplied(got: Value, expected: Value, paths: Mapping[str, Value]) -> Diagnosis | None:
    """The terms of the paths were multiplied instead of added."""
    pair = _wrong_pair(got, expected)
    terms = _path_terms(paths, pair[1]) if pair is not None else None
    if (
        pair is None
        or terms is None
        or not is_close(pair[0], torch.stack(list(terms.values())).prod(dim=0))
    ):
        return None
    names = " x ".join(terms)
    return _found(
        "paths_multiplied",
        "the paths were multiplied instead of added",
        "slide 29 (graph with weight sharing)",
        "multiply along a path, add across paths (multivariable chain rule).",
        _evidence(*pair) + f" = {names}",
    )


def broadcast_not_reduced(got: Value, expected: Value) -> Diagnosis | None:
    """The answer keeps broadcast dimensions whose sum is the expected gradient."""
    pair = _pair(got, expected)
    if pair is None or pair[0].shape == pair[1].shape or pair[0].numel() <= pair[1].numel():
        return None
    g, e = pair
    dims = _summed_dims(g, e)
    if dims is None:
        return None
    return _found(
        "broadcast_not_reduced",
        "the gradient was not summed over the broadcast dimension",
        "slides 29-30 (several paths)",
        "a parameter broadcast over the batch is shared by every example, so its "
        "gradient adds one term per example; sum it back to the parameter's shape.",
        f"expected shape {tuple(e.shape)}, got {tuple(g.shape)}; "
        f"summing got over dim{'s' if len(dims) > 1 else ''} {', '.join(map(str, dims))} "
        "gives the expected gradient",
    )


def relu_grad_at_zero(
    got: Value, expected: Value, x: Value, grad_output: Value | None = None
) -> Diagnosis | None:
    """The answer is right except where x is exactly 0: relu'(0) was not taken as 0."""
    pair = _wrong_pair(got, expected)
    xs = _shaped_like(x, pair[1]) if pair is not None else None
    if pair is None or xs is None:
        return None
    g, e = pair
    zero = xs == 0
    if not bool(zero.any()) or not is_close(g[~zero], e[~zero]) or is_close(g[zero], e[zero]):
        return None
    value = _value_at_zero(g, zero, grad_output)
    found = "a varying value" if value is None else f"{value:g}"
    hint = "" if value is None else ZERO_DERIVATIVE_SOURCES.get(value, "")
    index = int(torch.nonzero(zero.flatten())[0].item())
    return _found(
        "relu_grad_at_zero",
        f"relu'(0) was taken as {found} instead of 0",
        "computation graphs",
        "relu'(0) = 0; the derivative does not exist at 0, and by convention "
        "no gradient flows there" + (f" ({hint})." if hint else "."),
        f"x{_at(e.shape, index)} = 0; " + _evidence(g, e, index),
    )


def upstream_ignored(got: Value, expected: Value, local_derivative: Value) -> Diagnosis | None:
    """The answer is the local derivative alone: grad_output was not multiplied in."""
    pair = _wrong_pair(got, expected)
    local = _shaped_like(local_derivative, pair[1]) if pair is not None else None
    if pair is None or local is None or not is_close(pair[0], local):
        return None
    return _found(
        "upstream_ignored",
        "the upstream gradient was not multiplied in",
        "computation graphs (chain rule)",
        "backward must return grad_output times the local derivative, "
        "not the local derivative alone.",
        _evidence(*pair) + ", the local derivative",
    )


def grad_output_modified(before: Value, after: Value) -> Diagnosis | None:
    """The upstream gradient tensor differs after backward: it was written in place."""
    pair = _pair(after, before)
    if pair is None or pair[0].shape != pair[1].shape or torch.equal(*pair):
        return None
    index = int(torch.nonzero((pair[0] != pair[1]).flatten())[0].item())
    where = _at(pair[1].shape, index)
    was, now = pair[1].flatten()[index].item(), pair[0].flatten()[index].item()
    return _found(
        "grad_output_modified",
        "grad_output was modified in place",
        "computation graphs",
        "backward must not write into grad_output (e.g. grad_output[x < 0] = 0); "
        "work on grad_output.clone() or use torch.where.",
        f"grad_output{where} was {was:.6g} before backward and {now:.6g} after",
    )


def accumulated_gradients(
    got_steps: Sequence[Value], expected_steps: Sequence[Value]
) -> Diagnosis | None:
    """Each step's gradient is the running sum of the expected ones: zero_grad is missing."""
    steps = _step_pairs(got_steps, expected_steps)
    if steps is None or len(steps) < 2:
        return None
    running = torch.cumsum(torch.stack([e for _, e in steps]), dim=0)
    if not all(is_close(g, r) for (g, _), r in zip(steps, running, strict=True)):
        return None
    wrong = [i for i, (g, e) in enumerate(steps) if not is_close(g, e)]
    if not wrong:
        return None
    step = wrong[0]
    return _found(
        "accumulated_gradients",
        "gradients accumulate across steps (zero_grad is missing)",
        "slide 35 (training loop)",
        "backward adds to .grad; call optimizer.zero_grad() every step before backward.",
        f"step {step + 1}: "
        + _evidence(*steps[step])
        + f", the sum of the gradients of steps 1-{step + 1}",
    )


def loss_on_probabilities(got_loss: Value, logits: Value, targets: object) -> Diagnosis | None:
    """The loss equals cross_entropy or nll_loss applied to softmax probabilities."""
    inputs = _classification(logits, targets)
    loss = as_float64(got_loss)
    if inputs is None or loss is None:
        return None
    z, y = inputs
    for reduction in _reductions(loss, len(y)):
        right = F.cross_entropy(z, y, reduction=reduction)
        if is_close(loss.reshape(right.shape), right):
            return None
        for name, wrong, why in _probability_losses(z, y, reduction):
            if is_close(loss.reshape(right.shape), wrong):
                return _found(
                    "loss_on_probabilities",
                    f"the loss is {name} instead of cross_entropy on logits",
                    "slides 34-37",
                    f"F.cross_entropy takes logits (it applies log_softmax itself); {why}.",
                    _evidence(loss.reshape(right.shape), right, name="loss") + f", {name}",
                )
    return None


def softmax_wrong_dim(got: Value, logits: Value) -> Diagnosis | None:
    """Probabilities (or log-probabilities) were normalised over dim 0, the batch."""
    pair = _pair(got, logits)
    if pair is None or pair[1].dim() != 2 or pair[0].shape != pair[1].shape:
        return None
    g, z = pair
    if is_close(g, z.softmax(1)) or is_close(g, z.log_softmax(1)):
        return None
    if not (is_close(g, z.softmax(0)) or is_close(g, z.log_softmax(0))):
        return None
    row = (g if is_close(g, z.softmax(0)) else g.exp())[0].sum().item()
    return _found(
        "softmax_wrong_dim",
        "softmax was taken over dim 0 (the batch) instead of dim 1 (the classes)",
        "slides 31 and 39-40",
        "probas = F.softmax(logits, dim=1) makes each row (one example) sum to 1; "
        "dim=0 mixes the examples of a batch.",
        f"row 0 sums to {row:.6g}; each column sums to 1",
    )


def diagnose_gradient(
    got: Value,
    expected: Value,
    *,
    x: Value | None = None,
    grad_output: Value | None = None,
    local_derivative: Value | None = None,
    paths: Mapping[str, Value] | None = None,
    batch_size: int | None = None,
) -> Diagnosis | None:
    """The first diagnosis that fits: shape mistakes, then those the context makes
    specific (x, local_derivative, paths), then sign, transpose and constant factor."""
    detectors: list[Callable[[], Diagnosis | None]] = [
        lambda: broadcast_not_reduced(got, expected),
    ]
    if x is not None:
        detectors.append(lambda: relu_grad_at_zero(got, expected, x, grad_output))
    if local_derivative is not None:
        detectors.append(lambda: upstream_ignored(got, expected, local_derivative))
    if paths is not None:
        detectors.append(lambda: missing_path(got, expected, paths))
        detectors.append(lambda: paths_multiplied(got, expected, paths))
    detectors.append(lambda: sign_flipped(got, expected))
    detectors.append(lambda: transposed(got, expected))
    detectors.append(lambda: constant_factor(got, expected, batch_size))
    for detect in detectors:
        found = detect()
        if found is not None:
            return found
    return None


class OffDevice(NamedTuple):
    """What a training step ran off its device, and the device types recorded for it.

    `part`: "model" (its parameters were elsewhere when it ran), "model_moved_off" (moved away
    before any input reached it), "features" (the model's input) or "targets" (the loss's);
    `devices`: that call's device types; for "targets", [output, targets].
    """

    part: Literal["model", "model_moved_off", "features", "targets"]
    devices: list[str]


def device_type(target: str) -> str:
    """The device type a probe reports for `target` ("cuda:1" -> "cuda")."""
    return target.partition(":")[0]


def data_not_on_device(
    target: str, error: str, recorded: Callable[[str], Sequence[Sequence[str]]]
) -> OffDevice | None:
    """The first of the model, the features and the targets found off `target`, if any.

    `recorded(key)` is the probe's record of device types, one list per call, under
    "model_parameters", "model_inputs" and "loss_inputs" (pairs: output, targets); it is read
    lazily, in that order, only as far as needed. `error` is what the run raised on `target`
    ("" if nothing): a model moved off the device before its first input shows as "Module.to()".
    """
    kind = device_type(target)
    for devices in recorded("model_parameters"):
        if any(d != kind for d in devices):
            return OffDevice("model", list(devices))
    if not recorded("model_inputs") and "Module.to()" in error:
        return OffDevice("model_moved_off", [])
    for devices in recorded("model_inputs"):
        if any(d != kind for d in devices):
            return OffDevice("features", list(devices))
    for output, targets in recorded("loss_inputs"):
        if targets != kind:
            return OffDevice("targets", [output, targets])
    return None


def _found(code: str, title: str, slide: str, text: str, evidence: str) -> Diagnosis:
    """A diagnosis whose explanation names the lecture slide or topic first."""
    explanation = f"Lecture 06, {slide}: {text}"
    return Diagnosis(
        code=code, title=title, explanation=explanation, slide=slide, evidence=evidence
    )


def _pair(got: object, expected: object) -> tuple[torch.Tensor, torch.Tensor] | None:
    g, e = as_float64(got), as_float64(expected)
    if g is None or e is None:
        return None
    if g.numel() == 1 and e.numel() == 1:
        return g.reshape(()), e.reshape(())
    return g, e


def _wrong_pair(got: object, expected: object) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Both as float64 with the same shape, and not equal: the case detectors explain."""
    pair = _pair(got, expected)
    if pair is None or pair[0].shape != pair[1].shape or is_close(*pair):
        return None
    return pair


def _shaped_like(value: object, like: torch.Tensor) -> torch.Tensor | None:
    tensor = as_float64(value)
    if tensor is not None and tensor.numel() == 1 and like.numel() == 1:
        tensor = tensor.reshape(like.shape)
    return tensor if tensor is not None and tensor.shape == like.shape else None


def _at(shape: torch.Size, flat: int) -> str:
    if len(shape) == 0:
        return ""
    index = [int(i) for i in torch.unravel_index(torch.tensor(flat), shape)]
    return "[" + ", ".join(map(str, index)) + "]"


def _evidence(
    got: torch.Tensor, expected: torch.Tensor, flat: int | None = None, name: str = "gradient"
) -> str:
    """One element, by default the one that differs most: where, expected and got."""
    if flat is None:
        flat = int((got - expected).abs().flatten().argmax().item())
    e, g = expected.flatten()[flat].item(), got.flatten()[flat].item()
    return f"{name}{_at(expected.shape, flat)}: expected {e:.6g}, got {g:.6g}"


def _factor_name(k: float, batch_size: int | None) -> str | None:
    """A simple fraction (at most 4 over at most 4), or the batch size or its reciprocal."""
    simple = Fraction(k).limit_denominator(4)
    candidates = [simple]
    if batch_size is not None and batch_size > 1:
        candidates += [Fraction(batch_size), Fraction(1, batch_size)]
    for fraction in candidates:
        small = abs(fraction.numerator) <= 4 or fraction in candidates[1:]
        if fraction != 0 and small and abs(float(fraction) - k) <= RTOL * abs(k):
            return str(fraction)
    return None


def _path_terms(paths: object, like: torch.Tensor) -> dict[str, torch.Tensor] | None:
    if not isinstance(paths, Mapping) or not 2 <= len(paths) <= MAX_PATHS:
        return None
    terms = {str(name): _shaped_like(term, like) for name, term in paths.items()}
    if any(term is None for term in terms.values()):
        return None
    return {name: term for name, term in terms.items() if term is not None}


def _missing_diagnosis(
    missing: list[str], terms: dict[str, torch.Tensor], g: torch.Tensor, e: torch.Tensor
) -> Diagnosis:
    flat = int((g - e).abs().flatten().argmax().item())
    parts = " + ".join(f"{name} {terms[name].flatten()[flat].item():.6g}" for name in terms)
    names = " and ".join(missing)
    return _found(
        "missing_path",
        f"the {names} path{'s are' if len(missing) > 1 else ' is'} missing",
        "slide 29 (graph with weight sharing)",
        "a weight that reaches the loss along several paths gets one chain-rule "
        f"product per path, all added (multivariable chain rule); the {names} term "
        "was left out.",
        _evidence(g, e, flat) + f"; expected = {parts}",
    )


def _summed_dims(g: torch.Tensor, e: torch.Tensor) -> list[int] | None:
    """The dims of g whose sum gives e: broadcast (sum_to_size) dims, else any one dim."""
    lead = g.dim() - e.dim()
    if lead >= 0 and all(s in (1, t) for s, t in zip(e.shape, g.shape[lead:], strict=True)):
        dims = list(range(lead))
        dims += [lead + i for i, s in enumerate(e.shape) if s == 1 and g.shape[lead + i] != 1]
        if is_close(g.sum_to_size(e.shape), e):
            return dims
    for dim in range(g.dim()):
        summed = g.sum(dim=dim)
        if summed.shape == e.shape and is_close(summed, e):
            return [dim]
    return None


def _value_at_zero(g: torch.Tensor, zero: torch.Tensor, grad_output: Value | None) -> float | None:
    """The local derivative the answer used at x == 0, when it is one value."""
    values = g[zero]
    if grad_output is not None:
        upstream = _shaped_like(grad_output, g)
        if upstream is None or not bool((upstream[zero] != 0).all()):
            return None
        values = values / upstream[zero]
    first = values[0].item()
    if not is_close(values, torch.full_like(values, first)):
        return None
    simple = float(Fraction(first).limit_denominator(8))
    return simple if abs(simple - first) <= RTOL * max(1.0, abs(first)) else first


def _step_pairs(
    got_steps: Sequence[Value], expected_steps: Sequence[Value]
) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
    """Per-step (got, expected) float64 pairs, all of one shape; None when they do not fit."""
    try:
        got_list, expected_list = list(got_steps), list(expected_steps)
    except TypeError:
        return None
    if len(got_list) != len(expected_list):
        return None
    pairs: list[tuple[torch.Tensor, torch.Tensor]] = []
    for got, expected in zip(got_list, expected_list, strict=True):
        pair = _pair(got, expected)
        if pair is None or pair[0].shape != pair[1].shape:
            return None
        if pairs and pair[1].shape != pairs[0][1].shape:
            return None
        pairs.append(pair)
    return pairs


def _classification(logits: object, targets: object) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(N, C) float64 logits and N class indices in range; None when they do not fit."""
    z = as_float64(logits)
    y = as_float64(targets)
    if z is None or y is None or z.dim() != 2 or y.shape != (z.shape[0],):
        return None
    if not bool((y == y.round()).all() & (y >= 0).all() & (y < z.shape[1]).all()):
        return None
    return z, y.long()


def _reductions(loss: torch.Tensor, n: int) -> list[str]:
    if loss.numel() == 1 and n > 1:
        return ["mean", "sum"]
    if loss.numel() == n:
        return ["none"] if n > 1 else ["mean", "sum", "none"]
    return []


def _probability_losses(
    z: torch.Tensor, y: torch.Tensor, reduction: str
) -> list[tuple[str, torch.Tensor, str]]:
    p = z.softmax(1)
    return [
        (
            "cross_entropy on softmax probabilities",
            F.cross_entropy(p, y, reduction=reduction),
            "given probabilities it applies softmax a second time",
        ),
        (
            "nll_loss on softmax probabilities",
            F.nll_loss(p, y, reduction=reduction),
            "F.nll_loss wants log-probabilities (log_softmax), and on probabilities it "
            "returns -p[y], a negative loss",
        ),
    ]
