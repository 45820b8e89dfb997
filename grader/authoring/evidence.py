"""What a check decided from: values the judge compared, or facts the sandbox reported.

Everything that comes back from the sandbox could have been written by the submission: code in
the sandbox's process can find the judge's connection (gc, frame walking) and send its own
well-formed reply to the request it is serving. Two kinds of answer follow:

- a **value** the judge compares with its own expected one (a gradient, a loss curve, the
  logits on the judge's inputs): forging it means computing it, which is the behaviour the
  check asks for. The comparison helpers of `grader.authoring.expect` (`within`,
  `within_tolerance`, `expect_float`, `expect_tensor`) and `compare_gradients` record each
  comparison they decide here.
- a **fact** whose expected value is known in advance ("one backward pass", "the hook was
  removed", "no autograd was used", "detached", "in train mode", a device): anyone can write it.
  Facts are read with the readers below (`fact`, `count`, `flags`, `error_text`), which record
  the read.

The rule (SECURITY.md, invariant 9): a fact earns no points. A check that judges a fact is
declared `@check(points=0, fact=True)`: its verdict is feedback for the student and costs or
earns nothing. Every other check with points must pass on at least one value comparison, and
may read facts only to explain a failure that a value comparison decided (a diagnosis). The
judge enforces both while it runs a check (`grader.judge.scoring`): a point-bearing check that
passes without a decided comparison, or fails on a fact, is `invalid` with an authoring error
for staff, never `passed`; `tests/test_facts.py` walks the registry so none ships.
"""

from __future__ import annotations

from typing import Any

from grader.authoring.check import CheckFailure, InvalidAnswer
from grader.authoring.ledger import Evidence, compared, read_fact, recording

__all__ = [
    "Evidence",
    "authoring_problem",
    "compared",
    "count",
    "error_text",
    "fact",
    "flags",
    "recording",
]


def fact(report: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    """A field of a probe's report that is a fact (feedback only), of type `kind`; a missing
    or mistyped field is InvalidAnswer. bool is not an int here."""
    read_fact()
    value = report.get(key) if isinstance(report, dict) else None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        raise InvalidAnswer(f"the probe's `{key}` is missing")
    return value


def count(report: dict[str, Any], key: str) -> int:
    """An integer fact (bool excluded)."""
    value: int = fact(report, key, int)
    return value


def flags(report: dict[str, Any], key: str) -> list[bool]:
    """A list of booleans, a fact (e.g. the `training` flag of each forward pass)."""
    value = fact(report, key, list)
    if not all(type(item) is bool for item in value):
        raise InvalidAnswer(f"the probe's `{key}` is missing")
    return list(value)


def error_text(report: dict[str, Any]) -> str:
    """The report's recorded error ("TypeError: ..."), or "" when none was recorded: a fact,
    for feedback (a verdict never rests on an error's text)."""
    read_fact()
    error = report.get("error") if isinstance(report, dict) else None
    return error if isinstance(error, str) else ""


def authoring_problem(
    evidence: Evidence, points: float, fact_check: bool, failure: BaseException | None
) -> str:
    """Why a check's run breaks the rule above ("" when it does not). `failure` is what a
    failed check raised (None when it passed).

    A fact check (points 0) may decide on anything. A check worth points must pass on a value
    comparison it decided, and may fail after reading a fact only where a value comparison had
    failed before it (what `fail()` saw when it was called, not what was read afterwards).
    """
    if fact_check or points == 0:
        return ""
    if failure is None and evidence.agreed == 0:
        return (
            "authoring error: this check passed without comparing any value with the judge's "
            "own; a sandbox-reported fact earns no points (declare it @check(points=0, "
            "fact=True), and put the points on a value check)"
        )
    facts, disagreed = getattr(failure, "evidence_before", (0, 0))
    if isinstance(failure, CheckFailure) and facts and not disagreed:
        return (
            "authoring error: this check failed on a sandbox-reported fact, which the "
            "submission could have forged to pass; a fact is feedback only (declare it "
            "@check(points=0, fact=True))"
        )
    return ""
