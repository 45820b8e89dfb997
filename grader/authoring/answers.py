"""Reference answers computed once per judge process for each distinct input.

Every student's checks ask the reference the same questions: the reference's loss curve on the
lecture's split, the Iris split itself, one optimizer step of a fixed set-up. A check helper that
computes such an answer is marked `@reference_answer`; the judge then computes it once per
distinct input and hands every later caller a copy:

    @reference_answer
    def reference_curve(sub: Submission, variant: str, x: torch.Tensor) -> torch.Tensor:
        reference = sub.exercise.reference
        ...

What keeps this safe:

- It never reaches the sandbox. The function receives a `ReferenceView` in place of each
  `Submission` argument: the exercise and the device, and a `call`/`probe` that refuse. A
  reference answer therefore cannot depend on what one student's code said, and cannot carry it
  to the next student.
- The key is the inputs themselves, exactly: a tensor by its dtype, shape, `requires_grad` and
  bytes (not a digest, so two inputs never share a key), numbers by their type and value, an
  exercise by its id and folder, containers element by element. An input of any other kind
  (a generator, a module) is not keyed: the function then runs every time, as if undecorated.
- Every caller gets a deep copy, so a check that changes its expected tensor in place changes
  nothing for the next student.
- The cache belongs to the decorated function, so it lives as long as the loaded checks module
  (one per exercise and judge process) and holds `MAX_ENTRIES` inputs at most (least recently
  used first out).

Only pure functions of their inputs may be marked: one that reads the global random state
without seeding it, the clock or a file that changes would be computed once with whatever it saw
first. The reference helpers here seed their own generators (`torch.random.fork_rng`).
"""

from __future__ import annotations

import copy
import functools
import math
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import torch

MAX_ENTRIES = 256

P = ParamSpec("P")
R = TypeVar("R")


class ReferenceView:
    """What a reference answer sees of a submission: its exercise and device, no sandbox."""

    def __init__(self, exercise: Any, device: str) -> None:
        self.exercise = exercise
        self.device = device

    def call(self, name: str, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"a @reference_answer function cannot call the submission ({name})")

    def probe(self, name: str, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"a @reference_answer function cannot run a probe ({name})")


class _Unkeyable(Exception):
    """An input the cache cannot key exactly: the function runs uncached."""


def reference_answer(function: Callable[P, R]) -> Callable[P, R]:
    """Compute `function`'s answer once per distinct input (see the module's docstring)."""
    cache: OrderedDict[Hashable, Any] = OrderedDict()

    @functools.wraps(function)
    def answer(*args: P.args, **kwargs: P.kwargs) -> R:
        args = tuple(_viewed(value) for value in args)  # type: ignore[assignment]
        kwargs = {name: _viewed(value) for name, value in kwargs.items()}  # type: ignore[assignment]
        try:
            key = (_key(args), _key(sorted(kwargs.items())))
        except _Unkeyable:
            return function(*args, **kwargs)
        if key in cache:
            cache.move_to_end(key)
            return copy.deepcopy(cache[key])  # type: ignore[no-any-return]
        value = function(*args, **kwargs)
        try:
            cache[key] = copy.deepcopy(value)
        except (TypeError, RuntimeError):  # e.g. a tensor inside a graph: not kept
            return value
        while len(cache) > MAX_ENTRIES:
            cache.popitem(last=False)
        return value

    answer.cache_clear = cache.clear  # type: ignore[attr-defined]
    answer.cache_size = cache.__len__  # type: ignore[attr-defined]
    return answer


def _viewed(value: Any) -> Any:
    """A submission handle becomes a `ReferenceView`; everything else passes unchanged."""
    if isinstance(value, ReferenceView):
        return value
    if callable(getattr(value, "probe", None)) and hasattr(value, "exercise"):
        return ReferenceView(value.exercise, str(getattr(value, "device", "cpu")))
    return value


def _key(value: Any) -> Hashable:
    """An exact, hashable stand-in for `value` (_Unkeyable if there is none)."""
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return (type(value).__name__, value)
    if isinstance(value, float):
        return ("float", value.hex() if math.isfinite(value) else repr(value))
    if isinstance(value, torch.Tensor):
        return _tensor_key(value)
    if isinstance(value, (torch.dtype, torch.device)):
        return (type(value).__name__, str(value))
    if isinstance(value, Path):
        return ("path", str(value))
    if isinstance(value, ReferenceView):
        return ("submission", _key(value.exercise), value.device)
    if _is_exercise(value):
        return ("exercise", value.id, str(value.folder))
    if isinstance(value, (tuple, list)):
        return (type(value).__qualname__, tuple(_key(item) for item in value))
    if isinstance(value, dict):
        items = sorted((_key(k), _key(v)) for k, v in value.items())
        return ("dict", tuple(items))
    raise _Unkeyable(type(value).__name__)


def _tensor_key(tensor: torch.Tensor) -> Hashable:
    if type(tensor) is not torch.Tensor or tensor.layout != torch.strided or tensor.is_quantized:
        raise _Unkeyable("not a plain dense tensor")
    flat = tensor.detach().to("cpu").contiguous().reshape(-1)
    data = flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
    return ("tensor", str(tensor.dtype), tuple(tensor.shape), tensor.requires_grad, data)


def _is_exercise(value: Any) -> bool:
    from grader.judge.registry import Exercise

    return isinstance(value, Exercise)
