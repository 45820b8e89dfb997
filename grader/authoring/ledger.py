"""The per-check ledger behind grader.authoring.evidence: what a running check compared and
which facts it read. Kept apart (it imports nothing of the authoring API) so that `fail()`
can note, when a check fails, what had been compared and read up to then."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Evidence:
    """What one check run compared and read: counts, kept only while the check runs."""

    agreed: int = 0  # value comparisons decided "equal"
    disagreed: int = 0  # value comparisons decided "not equal" (or undecidable: fail closed)
    facts: int = 0  # facts read from a probe's report


_CURRENT: ContextVar[Evidence | None] = ContextVar("grader_check_evidence", default=None)


@contextmanager
def recording() -> Iterator[Evidence]:
    """Record, for the block (one check run), what it compared and which facts it read."""
    evidence = Evidence()
    token = _CURRENT.set(evidence)
    try:
        yield evidence
    finally:
        _CURRENT.reset(token)


def compared(equal: bool) -> bool:
    """Note one decided value comparison (the helpers call it); returns `equal`."""
    evidence = _CURRENT.get()
    if evidence is not None:
        if equal:
            evidence.agreed += 1
        else:
            evidence.disagreed += 1
    return equal


def read_fact() -> None:
    """Note one fact read from a probe's report (the readers call it)."""
    evidence = _CURRENT.get()
    if evidence is not None:
        evidence.facts += 1


def so_far() -> tuple[int, int]:
    """(facts read, comparisons that disagreed) so far in the running check; (0, 0) outside."""
    evidence = _CURRENT.get()
    return (0, 0) if evidence is None else (evidence.facts, evidence.disagreed)
