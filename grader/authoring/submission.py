"""What a check may ask of the submission it grades: the `Submission` protocol.

A check never sees the student's objects. It asks the judge's handle to call a function or run
a public probe in the sandbox, and gets back plain data (None, bool, int, float, str, lists,
tuples, dicts and dense CPU tensors) decoded by `grader.wire`. The judge's implementation is
`grader.judge.scoring.SandboxedSubmission`; the tests use an in-process stand-in of the same shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from grader.judge.registry import Exercise


class Submission(Protocol):
    """The checks' handle on one student's module."""

    exercise: Exercise
    device: str

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the student's module-level `name` in the sandbox; plain data comes back."""
        ...

    def probe(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run the exercise's public probe `name` on the student's module in the sandbox."""
        ...
