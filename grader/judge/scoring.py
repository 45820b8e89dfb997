"""The trusted judge: runs an exercise's checks against one submission and scores them.

The judge never imports the submission. Checks reach it through a `SandboxedSubmission` handle whose
calls run in a sandbox (grader.judge.sandbox) and come back as plain data; the checks decide with
expected values computed here. Every way a check can end maps to one verdict:

    returned normally            -> passed (the only way to pass)
    CheckFailure / AssertionError -> failed
    InvalidAnswer                -> invalid
    SandboxOutcome               -> its verdict (error, not_attempted, timeout, memory, ...),
                                    never passed: one claiming "passed" is invalid
    anything else in check code  -> invalid (the answer could not be judged)

A hidden check's student-facing feedback is a fixed sentence for its verdict; its full feedback
goes to `CheckResult.staff_feedback`, which only staff views render.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

import torch

from grader.authoring.check import CheckFailure, CheckSpec, InvalidAnswer
from grader.authoring.errors import diagnose_error_text
from grader.authoring.evidence import authoring_problem, recording
from grader.judge.notebook import is_notebook_code, relocate
from grader.judge.registry import Exercise
from grader.judge.sandbox import Engine, EngineError, Sandbox, SandboxOutcome
from grader.judge.spares import Spares
from grader.outputs.models import (
    VERDICTS,
    CheckResult,
    Diagnosis,
    ExerciseResult,
    Isolation,
    Limits,
    Verdict,
)
from grader.wire.messages import Op
from grader.wire.protocol import MAX_STRING


@dataclass(frozen=True)
class Source:
    """A submission's file as the judge received it: bytes it never executes itself."""

    data: bytes
    filename: str  # the name shown to the student, e.g. "exercise2.py"


class SandboxedSubmission:
    """The checks' handle on a student's module; everything it returns is plain data."""

    def __init__(
        self,
        engine: Engine,
        exercise: Exercise,
        text: str,
        filename: str,
        device: str,
        limits: Limits,
        spares: Spares | None = None,
    ) -> None:
        self.exercise = exercise
        self.device = device
        self._engine, self._text, self._filename, self._limits = engine, text, filename, limits
        self._spares = spares
        self._sandbox: Sandbox | None = None
        self._import_failure: SandboxOutcome | None = None
        self._deadline = time.monotonic() + limits.total_s
        self.layers: dict[str, bool] = {}
        self.notes: dict[str, str] = {}
        self.output = ""

    @property
    def sandbox(self) -> Sandbox | None:
        """The sandbox serving this submission (None before the first request, or closed)."""
        return self._sandbox

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the student's module-level `name` in the sandbox."""
        return self._request("call", name, args, kwargs, f"calling {name}()")

    def probe(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run the exercise's public probe `name` on the student's module in the sandbox."""
        return self._request("probe", name, args, kwargs, f"the probe {name}")

    def _request(
        self, op: Op, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], what: str
    ) -> Any:
        sandbox = self._ready()
        timeout = min(self._limits.call_s, self._remaining())
        try:
            return sandbox.request(op, timeout, what, name=name, args=args, kwargs=kwargs)
        except SandboxOutcome:
            if not sandbox.alive:
                self._retire()
            raise

    def _ready(self) -> Sandbox:
        if self._import_failure is not None:
            raise self._import_failure
        if self._sandbox is not None and self._sandbox.alive:
            return self._sandbox
        self._retire()
        wanted = self._new_sandbox()
        spare = self._spares.take(wanted) if self._spares is not None else None
        sandbox = spare if spare is not None else wanted
        self._remaining()
        try:
            if spare is None:
                sandbox.__enter__()
            if self._spares is not None:  # the next sandbox starts while this one works
                self._spares.start(self._new_sandbox())
            self.layers, self.notes = sandbox.layers, sandbox.notes
            sandbox.request(
                "import",
                min(self._limits.import_s, self._remaining()),
                f"importing {self._filename}",
                source=self._text,
            )
        except SandboxOutcome as outcome:
            self._import_failure = SandboxOutcome(
                outcome.verdict,
                f"importing {self._filename} failed: {outcome.message}",
                outcome.trace,
            )
            self._sandbox = sandbox
            self._retire()
            raise self._import_failure from None
        self._sandbox = sandbox
        return sandbox

    def _new_sandbox(self) -> Sandbox:
        return Sandbox(
            self._engine,
            self._limits,
            self.device,
            self._filename,
            self.exercise.id,
            self.exercise.probes_path,
        )

    def _remaining(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise SandboxOutcome(
                "timeout", f"the exercise's time budget ({self._limits.total_s:g} s) is used up"
            )
        return left

    def _retire(self) -> None:
        if self._sandbox is not None:
            limit = self._limits.output_kb * 1024  # for the whole exercise, every sandbox together
            if len(self.output) <= limit:  # at exactly the limit, more output earns the marker
                self.output = _capped(self.output + self._sandbox.output(limit), limit)
            self._sandbox.close()
            self._sandbox = None

    def printed(self) -> str:
        """What the submission has printed so far (every sandbox together, capped)."""
        limit = self._limits.output_kb * 1024
        if self._sandbox is None or len(self.output) > limit:  # over it: already marked
            return self.output
        return _capped(self.output + self._sandbox.output(limit), limit)

    def close(self) -> None:
        self._retire()


def judge_threads() -> None:
    """Compute the checks' expected values with one torch thread (call once per judge process).

    A check works on a few small tensors: with more threads, each operation pays for handing
    work to OpenMP threads that then spin waiting, which on a batch's busy cores takes CPU time
    from the sandboxes. Profiled on 120 batch runs: cross-entropy took 2 ms a call with torch's
    default two threads.
    """
    torch.set_num_threads(1)


def require_assertions() -> None:
    """Refuse to judge under `python -O` (or PYTHONOPTIMIZE): every `assert` would vanish.

    Checks decide with `fail()`, and tests/test_fail_closed.py refuses `assert` in check files;
    this is the guard for whatever still relies on one (a course's own helpers, the judge).
    """
    if sys.flags.optimize or not __debug__:
        raise EngineError(
            "the judge refuses to run under python -O (or PYTHONOPTIMIZE): assert statements "
            "are stripped there, so a check could pass without deciding; run it without -O"
        )


def run_exercise(
    engine: Engine,
    exercise: Exercise,
    source: Source,
    *,
    device: str = "cpu",
    include_hidden: bool = True,
    limits: Limits | None = None,
    spares: Spares | None = None,
    stop_after_timeouts: int | None = None,
) -> ExerciseResult:
    """Grade one submission of one exercise: every check, each with its verdict and feedback.

    With `spares`, the sandbox comes from there when one fits, and one is started for the next
    submission of this exercise. With `stop_after_timeouts`, once that many checks have timed
    out the rest are not run (verdict `timeout`): what a batch does, so that a submission that
    never returns costs a few call limits, not the exercise's whole budget.
    """
    require_assertions()
    started = time.monotonic()
    limits = limits or exercise.meta.limits
    specs = exercise.checks(include_hidden)
    text, problem = _read_source(source)
    if problem is not None:
        verdict, message = problem
        checks = [_result(spec, verdict, message) for spec in specs]
        return _exercise_result(exercise, checks, Isolation(), device, started, include_hidden, "")
    submission = SandboxedSubmission(
        engine, exercise, text, source.filename, device, limits, spares
    )
    try:
        checks, before_hidden = _run_checks(specs, submission, stop_after_timeouts)
    finally:
        submission.close()
    if is_notebook_code(text):  # tracebacks say "cell 4, line 2", not a joined file's line
        checks = [c.model_copy(update={"feedback": relocate(c.feedback, text)}) for c in checks]
    isolation = Isolation(engine=engine.mode, layers=submission.layers, notes=submission.notes)
    output = submission.output
    if before_hidden is not None and not output.startswith(before_hidden):
        # The capture file was rewritten under a hidden check (truncated, or written over in
        # place through the submission's own stdout): what students are shown is what had been
        # printed before, as the judge read it then; staff see the rewritten file after it.
        output = _capped(before_hidden + REWRITTEN_OUTPUT + output, limits.output_kb * 1024)
    result = _exercise_result(exercise, checks, isolation, device, started, include_hidden, output)
    if before_hidden is None:
        return result
    return result.model_copy(update={"output_before_hidden": len(before_hidden)})


REWRITTEN_OUTPUT = "\n[the output file was rewritten during hidden checks; as it reads now:]\n"


def _capped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "\n[... output truncated]"


def _read_source(source: Source) -> tuple[str, tuple[Verdict, str] | None]:
    if b"\x00" in source.data:
        return "", ("invalid", f"{source.filename} is a binary file, not Python source")
    if len(source.data) > MAX_STRING:  # the sandbox could not even receive it
        size = f"{len(source.data) / 2**20:.1f} MiB"
        most = f"{MAX_STRING / 2**20:g} MiB"
        return "", ("invalid", f"{source.filename} is {size}; a submission may be {most} at most")
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return "", (
            "invalid",
            f"{source.filename} is not UTF-8 text (byte {exc.start}); save it as UTF-8",
        )
    if not text.strip():
        return "", ("not_attempted", f"{source.filename} is empty")
    return text, None


def _run_checks(
    specs: list[CheckSpec], submission: SandboxedSubmission, stop_after_timeouts: int | None
) -> tuple[list[CheckResult], str | None]:
    """Every check's result, and what had been printed when the first hidden check ran."""
    checks: list[CheckResult] = []
    before_hidden: str | None = None
    timeouts = 0
    for spec in specs:
        if stop_after_timeouts is not None and timeouts >= stop_after_timeouts:
            earlier = "an earlier check" if timeouts == 1 else f"{timeouts} earlier checks"
            why = f"not run: {earlier} of this submission hit a time limit"
            checks.append(_result(spec, "timeout", why))
            continue
        if spec.hidden and before_hidden is None:
            before_hidden = submission.printed()
        checks.append(_run_check(spec, submission))
        timeouts += checks[-1].status == "timeout"
    return checks, before_hidden


NO_ANSWER: frozenset[Verdict] = frozenset(VERDICTS) - {"passed"}


def _run_check(spec: CheckSpec, submission: SandboxedSubmission) -> CheckResult:
    """One check's result, held to grader.authoring.evidence's rule: a check worth points
    that passed without a decided value comparison, or failed on a fact alone, is `invalid`
    (an authoring error, told to staff), never `passed`."""
    with recording() as evidence:
        result, failure = _decide(spec, submission)
    passed = result.status == "passed"
    problem = authoring_problem(evidence, spec.points, spec.fact, None if passed else failure)
    if problem and result.status in ("passed", "failed"):
        feedback = "this check could not be judged (an error in the course's check)"
        staff = f"{problem}\n{result.staff_feedback or result.feedback}"
        return _result(spec, "invalid", feedback).model_copy(update={"staff_feedback": staff})
    return result


def _decide(
    spec: CheckSpec, submission: SandboxedSubmission
) -> tuple[CheckResult, BaseException | None]:
    """The check's result, and what it raised (None when it returned)."""
    try:
        spec.function(submission)
    except SandboxOutcome as outcome:
        # A call that produced no answer: never a pass, whatever verdict it carries.
        verdict = outcome.verdict if outcome.verdict in NO_ANSWER else "invalid"
        # The student's code raised: name the misconception PyTorch's error points to (feedback
        # only; the verdict is `error` whatever the text says).
        named = diagnose_error_text(outcome.feedback()) if verdict == "error" else None
        return _result(spec, verdict, outcome.feedback(), named), outcome
    except CheckFailure as failure:
        return _result(spec, "failed", failure.feedback(), failure.diagnosis), failure
    except AssertionError as error:
        return _result(spec, "failed", str(error) or "the answer is wrong"), error
    except InvalidAnswer as invalid:
        return _result(spec, "invalid", str(invalid)), invalid
    except EngineError:
        raise  # the engine cannot make sandboxes: a problem of this machine, not of the student
    except Exception as exc:  # noqa: BLE001 - odd data must not crash the judge
        text = f"the answer could not be judged ({type(exc).__name__}: {exc})"[:500]
        return _result(spec, "invalid", text), exc
    return _result(spec, "passed", ""), None


def _result(
    spec: CheckSpec, verdict: Verdict, feedback: str, diagnosis: Diagnosis | None = None
) -> CheckResult:
    hidden = spec.hidden and verdict != "passed"
    return CheckResult(
        name=spec.name,
        title=spec.title,
        status=verdict,
        score=spec.points if verdict == "passed" else 0.0,
        max_score=spec.points,
        hidden=spec.hidden,
        feedback=HIDDEN_FEEDBACK[verdict] if hidden else feedback,
        diagnosis=_public_diagnosis(spec, diagnosis),
        staff_feedback=feedback if hidden else "",
    )


# What a student sees of a hidden check besides its title and verdict: a fixed sentence per
# verdict. Any feedback text can carry the hidden inputs (an exception message that echoes its
# arguments), the reference's values ("expected 0.13585") or text the submission wrote, so none
# of it is shown; staff keep it in `staff_feedback`.
HIDDEN_FEEDBACK: dict[Verdict, str] = {
    "passed": "",
    "failed": "wrong answer on this hidden check's inputs",
    "error": "your code raised an exception on this hidden check's inputs",
    "not_attempted": "not attempted yet",
    "timeout": "a time limit was hit during this hidden check",
    "memory": "the memory limit was hit during this hidden check",
    "crashed": "your code crashed (killed or exited) during this hidden check",
    "invalid": "the answer to this hidden check was not of the required form",
}


def _public_diagnosis(spec: CheckSpec, diagnosis: Diagnosis | None) -> Diagnosis | None:
    """A hidden check names its misconception (code, title, slide) and nothing else: the
    explanation and evidence can quote hidden inputs (a batch size, a point, a value)."""
    if diagnosis is None or not spec.hidden:
        return diagnosis
    return diagnosis.model_copy(update={"explanation": "", "evidence": ""})


def _exercise_result(
    exercise: Exercise,
    checks: list[CheckResult],
    isolation: Isolation,
    device: str,
    started: float,
    include_hidden: bool,
    output: str,
) -> ExerciseResult:
    pending = exercise.hidden_summary if not include_hidden else None
    return ExerciseResult(
        exercise=exercise.id,
        score=sum(c.score for c in checks),
        max_score=sum(c.max_score for c in checks),
        checks=checks,
        isolation=isolation,
        device=device,
        elapsed_s=round(time.monotonic() - started, 3),
        hidden_pending=pending.count if pending else 0,
        hidden_pending_points=pending.points if pending else 0.0,
        output=output,
    )
