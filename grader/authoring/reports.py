"""Reading a probe's report: a dict of plain data whose fields a check needs in a given form.

A report came from the sandbox, so every field is checked on the way in: a missing or
mistyped field is `InvalidAnswer` (verdict `invalid`), never a pass and never a crash.
"""

from __future__ import annotations

from typing import Any

from grader.authoring.check import InvalidAnswer


def report_of(value: Any, what: str = "the probe") -> dict[str, Any]:
    """The report itself: a dict, else InvalidAnswer."""
    if not isinstance(value, dict):
        raise InvalidAnswer(f"{what} returned no report")
    return value


def count(report: dict[str, Any], key: str) -> int:
    """An integer field (bool excluded)."""
    value = report.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAnswer(f"the probe's `{key}` is missing")
    return value


def error_text(report: dict[str, Any]) -> str:
    """The report's recorded error ("TypeError: ..."), or "" when none was recorded."""
    error = report.get("error")
    return error if isinstance(error, str) else ""
