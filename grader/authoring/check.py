"""How exercise authors declare checks: the `@check` decorator and the failure it raises.

A check is a pytest-style function in `exercises/<id>/checks.py` (public) or
`reference/<id>/hidden_checks.py` (hidden). It takes the judge's handle on the
submission, asks it questions (`sub.call`, `sub.probe`), and decides with `fail()` and the
fail-closed helpers in `grader.authoring.expect` (never a bare `assert`: it vanishes under
`python -O`). Its docstring is the line the student reads.

    @check(points=2)
    def gradient_at_zero_is_zero(sub: Submission) -> None:
        \"\"\"relu'(0) is 0: the gradient at exactly zero is not passed through.\"\"\"
        ...
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from grader.authoring import ledger
from grader.outputs.models import Diagnosis

if TYPE_CHECKING:
    from grader.authoring.submission import Submission

CheckFunction = Callable[["Submission"], None]


@dataclass(frozen=True)
class CheckSpec:
    """A collected check: the function, its points, and whether students may see it."""

    name: str
    title: str
    points: float
    function: CheckFunction
    hidden: bool = False
    fact: bool = False  # judges a sandbox-reported fact: feedback only, worth 0 points


CHECK_ATTRIBUTE = "__grader_check__"


def check(
    points: float = 1.0, name: str | None = None, *, fact: bool = False
) -> Callable[[CheckFunction], CheckFunction]:
    """Mark a function as a check worth `points`. Hidden-ness comes from the file it lives in.

    `fact=True` declares a check that judges a fact the sandbox reports (a count of backward
    passes, "the hook was removed", a train-mode flag, a device): the submission could have
    written that reply itself, so such a check is feedback and is worth 0 points
    (grader.authoring.evidence says why, and what a check with points must do instead).
    """
    if points < 0:
        raise ValueError("a check cannot be worth negative points")
    if fact and points != 0:
        raise ValueError(
            "a fact check earns no points: a fact reported from the sandbox can be forged; "
            "declare it @check(points=0, fact=True) and put the points on a value check"
        )

    def mark(function: CheckFunction) -> CheckFunction:
        title = inspect.getdoc(function) or function.__name__.replace("_", " ")
        marker = (name or function.__name__, title.splitlines()[0], points, fact)
        setattr(function, CHECK_ATTRIBUTE, marker)
        return function

    return mark


def collect(namespace: dict[str, Any], hidden: bool) -> list[CheckSpec]:
    """The checks a loaded checks module defines, in source order."""
    found = []
    for value in namespace.values():
        marker = getattr(value, CHECK_ATTRIBUTE, None)
        if marker is not None and callable(value):
            name, title, points, fact = marker
            found.append(CheckSpec(name, title, points, value, hidden, fact))
    found.sort(key=lambda spec: inspect.getsourcelines(spec.function)[1])
    return found


class CheckFailure(AssertionError):
    """A wrong answer: what was expected, what came back, and which misconception fits."""

    def __init__(
        self,
        message: str,
        *,
        expected: Any = None,
        got: Any = None,
        diagnosis: Diagnosis | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.got = got
        self.diagnosis = diagnosis
        # (facts read, comparisons that disagreed) when the check failed: what decided it
        self.evidence_before = ledger.so_far()

    def feedback(self) -> str:
        lines = [self.message]
        if self.expected is not None:
            lines.append(f"expected: {_short(self.expected)}")
        if self.got is not None:
            lines.append(f"got:      {_short(self.got)}")
        if self.diagnosis is not None:
            lines.append(
                f"likely misconception: {self.diagnosis.title}. {self.diagnosis.explanation}"
            )
            if self.diagnosis.evidence:
                lines.append(f"smallest input where it shows: {self.diagnosis.evidence}")
        return "\n".join(lines)


class InvalidAnswer(Exception):
    """The sandbox answered, but not with data of the required form (type, dtype, shape)."""


def fail(
    message: str, *, expected: Any = None, got: Any = None, diagnosis: Diagnosis | None = None
) -> NoReturn:
    """Fail the current check with feedback for the student."""
    raise CheckFailure(message, expected=expected, got=got, diagnosis=diagnosis)


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    try:
        import torch

        if isinstance(value, torch.Tensor):
            with torch.no_grad():
                text = f"tensor{tuple(value.shape)} {value.dtype}: {value.flatten()[:12].tolist()}"
                if value.numel() > 12:
                    text += " ..."
    except Exception:  # noqa: BLE001 - feedback formatting must never fail a check
        pass
    return text if len(text) <= limit else text[: limit - 3] + "..."
