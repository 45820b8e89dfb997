"""Class statistics over a `BatchResult`, shared by the terminal report and the HTML report.

`item_analysis` is the pass rate of every check, `misconception_analysis` the item analysis by
misconception (every named mistake, ranked by how many students hold it), `top_diagnoses` its
first rows, `score_distribution` a histogram per exercise, and `most_failed_checks` the checks
most students did not pass, with their most common feedback.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from grader.outputs.models import BatchResult, CheckResult
from grader.staff.gradebook import exercise_sort_key


class ItemStat(BaseModel):
    """How the class did on one check: the item analysis of a test question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exercise: str
    check: str
    title: str
    hidden: bool
    max_score: float
    attempts: int
    passed: int
    pass_rate: float
    verdicts: dict[str, int]
    common_feedback: str = ""
    common_feedback_count: int = 0


class DiagnosisStat(BaseModel):
    """How often one misconception was diagnosed, in how many students and where.

    `share` is `students` over the students who have a result for at least one of `exercises`
    (those who could have shown it); `checks` are "exercise/check" where it was diagnosed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    title: str
    students: int
    occurrences: int
    exercises: tuple[str, ...]
    share: float = 0.0
    checks: tuple[str, ...] = ()


def exercise_ids(batch: BatchResult) -> list[str]:
    """Every exercise that appears in the batch, in natural order (exercise2 < exercise10)."""
    found = {ex.exercise for sub in batch.submissions for ex in sub.exercises}
    return sorted(found, key=exercise_sort_key)


def _checks(batch: BatchResult) -> Iterator[tuple[str, str, CheckResult]]:
    for sub in batch.submissions:
        for ex in sub.exercises:
            for check in ex.checks:
                yield sub.student, ex.exercise, check


def item_analysis(batch: BatchResult) -> list[ItemStat]:
    """The pass rate of every check, lowest first (the misconceptions the class holds)."""
    groups: dict[tuple[str, str], list[CheckResult]] = {}
    for _, exercise, check in _checks(batch):
        groups.setdefault((exercise, check.name), []).append(check)
    stats = [_item(exercise, name, checks) for (exercise, name), checks in groups.items()]
    return sorted(stats, key=lambda s: (s.pass_rate, exercise_sort_key(s.exercise), s.check))


def _item(exercise: str, name: str, checks: list[CheckResult]) -> ItemStat:
    passed = sum(check.status == "passed" for check in checks)
    feedback = Counter(
        check.feedback for check in checks if check.status != "passed" and check.feedback
    ).most_common(1)
    return ItemStat(
        exercise=exercise,
        check=name,
        title=checks[0].title,
        hidden=any(check.hidden for check in checks),
        max_score=max(check.max_score for check in checks),
        attempts=len(checks),
        passed=passed,
        pass_rate=passed / len(checks),
        verdicts=dict(Counter(check.status for check in checks)),
        common_feedback=feedback[0][0] if feedback else "",
        common_feedback_count=feedback[0][1] if feedback else 0,
    )


def most_failed_checks(batch: BatchResult, n: int = 5) -> list[ItemStat]:
    """The `n` checks most students did not pass, each with its most common feedback."""
    failing = [stat for stat in item_analysis(batch) if stat.passed < stat.attempts]
    failing.sort(key=lambda s: (-(s.attempts - s.passed), s.pass_rate))
    return failing[:n]


def score_distribution(batch: BatchResult, exercise: str) -> list[int]:
    """How many students scored each whole number of points (index k: k <= score < k+1).

    The list runs from 0 to the exercise's maximum (floored); the top bin also holds the
    maximum itself. Students with no result for the exercise are not counted. An exercise
    nobody has a result for gives an empty list.
    """
    results = [ex for sub in batch.submissions for ex in sub.exercises if ex.exercise == exercise]
    if not results:
        return []
    counts = [0] * (math.floor(max(ex.max_score for ex in results)) + 1)
    for ex in results:
        counts[min(math.floor(ex.score), len(counts) - 1)] += 1
    return counts


def misconception_analysis(batch: BatchResult) -> list[DiagnosisStat]:
    """Every misconception diagnosed in the batch, by name, the one most students hold first
    (then the most often seen, then by code). A student holds it when at least one of their
    checks was diagnosed with it, hidden checks included (their diagnosis is the name only)."""
    students: dict[str, set[str]] = {}
    occurrences: Counter[str] = Counter()
    titles: dict[str, str] = {}
    checks: dict[str, set[tuple[str, str]]] = {}
    for student, exercise, check in _checks(batch):
        if check.diagnosis is None:
            continue
        code = check.diagnosis.code
        titles.setdefault(code, check.diagnosis.title)
        students.setdefault(code, set()).add(student)
        checks.setdefault(code, set()).add((exercise, check.name))
        occurrences[code] += 1
    attempted: dict[str, set[str]] = {}
    for sub in batch.submissions:
        for ex in sub.exercises:
            attempted.setdefault(ex.exercise, set()).add(sub.student)
    stats = []
    for code, title in titles.items():
        exercises = sorted({exercise for exercise, _ in checks[code]}, key=exercise_sort_key)
        could = set().union(*(attempted.get(exercise, set()) for exercise in exercises))
        stats.append(
            DiagnosisStat(
                code=code,
                title=title,
                students=len(students[code]),
                occurrences=occurrences[code],
                exercises=tuple(exercises),
                share=len(students[code]) / len(could) if could else 0.0,
                checks=tuple(
                    f"{exercise}/{name}"
                    for exercise, name in sorted(
                        checks[code], key=lambda c: (exercise_sort_key(c[0]), c[1])
                    )
                ),
            )
        )
    stats.sort(key=lambda s: (-s.students, -s.occurrences, s.code))
    return stats


def top_diagnoses(batch: BatchResult, n: int = 10) -> list[DiagnosisStat]:
    """The `n` diagnoses found in the most students (then most often)."""
    return misconception_analysis(batch)[:n]
