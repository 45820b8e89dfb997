"""The baseline that notebook graders use: one fresh interpreter per (student, exercise).

    python benchmarks/baseline.py ROOT EXERCISE FILE     one run; prints the result as JSON

Like otter or nbgrader, the run imports torch, then the student's file *in the same process*
(no sandbox), then runs the exercise's checks against it. The checks are the grader's own,
unchanged: they get a handle with the judge's `call`/`probe` interface whose answers go through
the same wire encoding (`grader.wire.protocol`), so both sides judge the same data and the scores
must agree. `benchmarks/batch.py` runs this script once per sampled (student, exercise).

`run_checks` is also used in-process (warm, no fresh interpreter) to time the checks' own
compute, which is what a batch run costs beyond its overhead.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
import types
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: the grader lives next to benchmarks/
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.judge.registry import Exercise, Registry
from grader.judge.sandbox import SandboxOutcome
from grader.judge.scoring import Source, _exercise_result, _read_source, _result, _run_check
from grader.outputs.models import ExerciseResult, Isolation
from grader.wire.protocol import decode, encode


class InProcessSubmission:
    """The checks' handle on a student's module imported in this very process (unsandboxed)."""

    def __init__(self, exercise: Exercise, text: str, filename: str) -> None:
        self.exercise = exercise
        self.device = "cpu"
        self.layers: dict[str, bool] = {}
        self.output = ""
        self.module = types.ModuleType(exercise.id)
        self.module.__file__ = filename
        self.probes: types.ModuleType | None = None
        self._failure: SandboxOutcome | None = None
        try:
            exec(compile(text, filename, "exec"), self.module.__dict__)  # noqa: S102 - the baseline
        except BaseException as exc:  # noqa: BLE001 - a notebook grader records, then goes on
            self._failure = _outcome(exc, f"importing {filename} failed: ")
        if exercise.probes_path is not None:
            self.probes = types.ModuleType("grader_probes")
            path = exercise.probes_path
            exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), self.probes.__dict__)  # noqa: S102

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self._answer(lambda: getattr(self.module, name)(*_wire(args), **_wire(kwargs)))

    def probe(self, name: str, *args: Any, **kwargs: Any) -> Any:
        assert self.probes is not None, f"{self.exercise.id} has no probes"
        function = getattr(self.probes, name)
        return self._answer(lambda: function(self.module, "cpu", *_wire(args), **_wire(kwargs)))

    def _answer(self, thunk: Any) -> Any:
        if self._failure is not None:
            raise self._failure
        try:
            value = thunk()
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything
            raise _outcome(exc, "") from None
        return _wire(value)


def _wire(value: Any) -> Any:
    """What the judge would receive: the value through the sandbox's wire format."""
    return decode(encode(value))


def _outcome(exc: BaseException, prefix: str) -> SandboxOutcome:
    if isinstance(exc, NotImplementedError):
        return SandboxOutcome("not_attempted", prefix + (str(exc) or "not implemented yet"))
    return SandboxOutcome("error", f"{prefix}{type(exc).__name__}: {exc}"[:2000])


def run_checks(exercise: Exercise, source: Source) -> ExerciseResult:
    """Grade one submission in this process, with the judge's checks and scoring."""
    started = time.monotonic()
    specs = exercise.checks(include_hidden=True)
    text, problem = _read_source(source)
    if problem is not None:
        checks = [_result(spec, *problem) for spec in specs]
    else:
        submission = InProcessSubmission(exercise, text, source.filename)
        checks = [_run_check(spec, submission) for spec in specs]  # type: ignore[arg-type]
    return _exercise_result(exercise, checks, Isolation(), "cpu", started, True, "")


def main(argv: list[str]) -> None:
    root, exercise_id, path = Path(argv[0]), argv[1], Path(argv[2])
    exercise = Registry(root).get(exercise_id)
    with contextlib.redirect_stdout(io.StringIO()):  # what the student prints: a cell's output
        result = run_checks(exercise, Source(path.read_bytes(), f"{exercise_id}.py"))
    sys.stdout.write(result.model_dump_json() + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
