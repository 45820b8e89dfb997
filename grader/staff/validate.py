"""`grade validate`: prove the course is consistent before students see it.

For every exercise: the reference earns full marks; the unmodified stub earns zero with every
check `not_attempted` (its NotImplementedError: anything else it raises, or an empty stub, is a
finding); every known-wrong solution (mutant) loses points on the checks its
header names; every correct alternative earns full marks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.judge.registry import Exercise, Mutant
from grader.judge.sandbox import Engine
from grader.judge.scoring import Source, run_exercise
from grader.judge.spares import Spares
from grader.outputs.models import ExerciseResult


@dataclass(frozen=True)
class Finding:
    """One validation verdict: which file, whether it behaved, and why not."""

    exercise: str
    role: str  # "reference", "stub", "mutant", "alternative"
    path: str
    ok: bool
    detail: str
    score: float
    max_score: float


def validate_exercise(
    engine: Engine,
    exercise: Exercise,
    device: str = "cpu",
    on_result: Callable[[Finding], None] | None = None,
) -> list[Finding]:
    """Grade the reference, the stub, the alternatives and the mutants of one exercise."""
    jobs: list[tuple[str, Path, Mutant | None]] = []
    if exercise.solution is None:
        return [Finding(exercise.id, "reference", "-", False, "no reference/solution.py", 0, 0)]
    jobs.append(("reference", exercise.solution, None))
    jobs.append(("stub", exercise.stub, None))
    if exercise.reference_folder is not None:
        jobs += [
            ("alternative", p, None)
            for p in sorted((exercise.reference_folder / "alternatives").glob("*.py"))
        ]
    jobs += [("mutant", m.path, m) for m in exercise.mutants]
    findings = []
    spares = Spares()  # the next file's sandbox starts while one is graded
    try:
        for role, path, mutant in jobs:
            source = Source(path.read_bytes(), f"{exercise.id}.py")
            result = run_exercise(engine, exercise, source, device=device, spares=spares)
            finding = _judge(exercise, role, path, result, mutant)
            findings.append(finding)
            if on_result is not None:
                on_result(finding)
    finally:
        spares.close()
    if len(exercise.mutants) < 4:
        findings.append(
            Finding(
                exercise.id,
                "mutant",
                "-",
                False,
                f"only {len(exercise.mutants)} mutants (at least 4 needed)",
                0,
                0,
            )
        )
    return findings


def _judge(
    exercise: Exercise, role: str, path: Path, result: ExerciseResult, mutant: Mutant | None
) -> Finding:
    def finding(ok: bool, detail: str) -> Finding:
        return Finding(exercise.id, role, str(path), ok, detail, result.score, result.max_score)

    if result.max_score == 0:
        return finding(False, "the exercise has no checks")
    if role in ("reference", "alternative"):
        bad = [
            f"{c.name}: {c.status} ({_first_line(c.staff_feedback or c.feedback)})"
            for c in result.checks
            if c.status != "passed"
        ]
        return finding(not bad, "full marks" if not bad else "; ".join(bad))
    if role == "stub":
        if not path.read_text("utf-8-sig", errors="replace").strip():  # defines nothing
            return finding(False, "the stub is empty: it must define every function")
        bad = [
            f"{c.name}: {c.status} ({c.feedback.splitlines()[0] if c.feedback else ''})"
            for c in result.checks
            if c.status != "not_attempted"
        ]
        if not bad:
            return finding(True, "every check not_attempted")
        return finding(False, "must raise NotImplementedError; " + "; ".join(bad))
    assert mutant is not None, "a mutant job carries its parsed header"
    by_name = {c.name: c for c in result.checks}
    unknown = [name for name in mutant.fails if name not in by_name]
    passed = [name for name in mutant.fails if name in by_name and by_name[name].status == "passed"]
    problems = [f"names unknown checks {unknown}"] if unknown else []
    problems += [f"passes {passed}, which it should fail"] if passed else []
    # A mutant that only breaks facts (checks worth 0 points: a fact reported from the sandbox
    # earns nothing) is caught by their feedback; any other mutant must cost points.
    facts_only = all(by_name[n].max_score == 0 for n in mutant.fails if n in by_name)
    problems += ["loses no points"] if result.score >= result.max_score and not facts_only else []
    caught = ", ".join(f"{n}: {by_name[n].status}" for n in mutant.fails if n in by_name)
    return finding(not problems, "; ".join(problems) if problems else f"caught ({caught})")


def _first_line(text: str) -> str:
    """The first line of a check's feedback (staff see a hidden check's own, not the student's)."""
    return text.splitlines()[0] if text else ""
