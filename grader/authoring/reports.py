"""Reading a probe's report: a dict of plain data whose fields a check needs in a given form.

A report came from the sandbox, so every field is checked on the way in: a missing or
mistyped field is `InvalidAnswer` (verdict `invalid`), never a pass and never a crash. Fields
that are facts (counts, flags, a recorded error) are read with the readers of
`grader.authoring.evidence`, re-exported here: a fact is feedback, never points.
"""

from __future__ import annotations

from typing import Any

from grader.authoring.check import InvalidAnswer
from grader.authoring.evidence import count, error_text, fact, flags

__all__ = ["count", "error_text", "fact", "flags", "report_of"]


def report_of(value: Any, what: str = "the probe") -> dict[str, Any]:
    """The report itself: a dict, else InvalidAnswer."""
    if not isinstance(value, dict):
        raise InvalidAnswer(f"{what} returned no report")
    return value
