"""Exports of a `BatchResult`: CSV for spreadsheets, Gradescope results, JUnit XML, statistics.

Every function here is pure in the model: it reads a `BatchResult` and writes to the path it is
given, nothing else. The statistics (`item_analysis`, `score_distribution`, `top_diagnoses`,
`most_failed_checks`) are shared by the terminal report and the HTML report.

Student ids and feedback are untrusted text: CSV cells that a spreadsheet would read as a
formula are quoted with a leading apostrophe, folder names are sanitised, XML gets only the
characters XML 1.0 allows, and hidden checks never show the evidence (inputs) of a diagnosis.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from grader.gradebook import exercise_sort_key
from grader.models import BatchResult, CheckResult, ExerciseResult, SubmissionResult, Verdict

FAILURE: frozenset[Verdict] = frozenset({"failed", "invalid"})
ERROR: frozenset[Verdict] = frozenset({"error", "crashed", "timeout", "memory"})
SKIPPED: frozenset[Verdict] = frozenset({"not_attempted"})

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class ExportError(Exception):
    """An export cannot be written faithfully (e.g. two students map to one folder)."""


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
    """How often one misconception was diagnosed, in how many students and where."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    title: str
    students: int
    occurrences: int
    exercises: tuple[str, ...]


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


def top_diagnoses(batch: BatchResult, n: int = 10) -> list[DiagnosisStat]:
    """The `n` diagnoses found in the most students (then most often)."""
    students: dict[str, set[str]] = {}
    occurrences: Counter[str] = Counter()
    titles: dict[str, str] = {}
    exercises: dict[str, set[str]] = {}
    for student, exercise, check in _checks(batch):
        if check.diagnosis is None:
            continue
        code = check.diagnosis.code
        titles.setdefault(code, check.diagnosis.title)
        students.setdefault(code, set()).add(student)
        exercises.setdefault(code, set()).add(exercise)
        occurrences[code] += 1
    stats = [
        DiagnosisStat(
            code=code,
            title=titles[code],
            students=len(students[code]),
            occurrences=occurrences[code],
            exercises=tuple(sorted(exercises[code], key=exercise_sort_key)),
        )
        for code in titles
    ]
    stats.sort(key=lambda s: (-s.students, -s.occurrences, s.code))
    return stats[:n]


def _number(value: float) -> str:
    return format(round(value, 4), "g")


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not evaluate as a formula."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def write_csv(
    batch: BatchResult,
    path: Path,
    exercise_ids: Sequence[str],
    names: Mapping[str, str] | None = None,
) -> None:
    """One row per student: student, name, a score per exercise, total, max_total, late.

    Plain UTF-8 with a header row and no index column. An exercise the student has no result
    for is left empty (not graded), which spreadsheets sum as 0.
    """
    names = names or {}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "name", *exercise_ids, "total", "max_total", "late"])
        for sub in batch.submissions:
            scores = {ex.exercise: _number(ex.score) for ex in sub.exercises}
            writer.writerow(
                [
                    _cell(sub.student),
                    _cell(names.get(sub.student, "")),
                    *(scores.get(exercise, "") for exercise in exercise_ids),
                    _number(sub.score),
                    _number(sub.max_score),
                    "yes" if sub.late else "no",
                ]
            )


def safe_folder_name(student: str) -> str:
    """A folder name for a student id: no separators, no '..', no leading dot.

    Ids that are already safe are kept; others get their unsafe characters replaced and a
    short hash of the original appended, so two different ids do not meet in one folder.
    """
    cleaned = re.sub(r"\.{2,}", "_", _UNSAFE_NAME.sub("_", student)).lstrip(".")[:80]
    if cleaned == student and cleaned:
        return cleaned
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{cleaned or 'student'}-{digest}"


def _check_output(check: CheckResult) -> str:
    lines = [] if check.status in ("passed", "failed") else [f"Outcome: {check.status}."]
    if check.feedback:
        lines.append(check.feedback)
    diagnosis = check.diagnosis
    if diagnosis is not None:
        lines.append(f"Likely misconception: {diagnosis.title}. {diagnosis.explanation}")
        if diagnosis.slide:
            lines.append(f"See slide {diagnosis.slide}.")
        if diagnosis.evidence and not check.hidden:
            lines.append(f"Evidence: {diagnosis.evidence}")
    return "\n".join(lines)


def _gradescope_tests(exercises: list[ExerciseResult]) -> list[dict[str, object]]:
    return [
        {
            "name": f"{ex.exercise}: {check.title or check.name}",
            "number": f"{i}.{j}",
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.status == "passed" else "failed",
            "output": _check_output(check),
            "visibility": "after_published" if check.hidden else "visible",
            "tags": [ex.exercise],
        }
        for i, ex in enumerate(exercises, start=1)
        for j, check in enumerate(ex.checks, start=1)
    ]


def gradescope_results(sub: SubmissionResult) -> dict[str, object]:
    """One student's results in Gradescope's autograder `results.json` format.

    The submission's captured stdout is left out: code under a hidden check could print the
    hidden inputs it was given.
    """
    lines = [f"{ex.exercise}: {_number(ex.score)}/{_number(ex.max_score)}" for ex in sub.exercises]
    lines += sub.notes
    if sub.late:
        lines.append("This submission was late.")
    return {
        "score": sub.score,
        "execution_time": round(sum(ex.elapsed_s for ex in sub.exercises), 3),
        "output": "\n".join(lines),
        "tests": _gradescope_tests(sub.exercises),
    }


def write_gradescope(batch: BatchResult, folder: Path) -> dict[str, Path]:
    """Write `<folder>/<student>/results.json` per student; returns student -> file."""
    written: dict[str, Path] = {}
    owners: dict[str, str] = {}
    for sub in batch.submissions:
        name = safe_folder_name(sub.student)
        if name in owners:
            raise ExportError(
                f"students {owners[name]!r} and {sub.student!r} both map to folder {name!r}"
            )
        owners[name] = sub.student
        target = folder / name / "results.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(gradescope_results(sub), indent=2) + "\n", encoding="utf-8")
        written[sub.student] = target
    return written


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _testcase(suite: ET.Element, exercise: str, check: CheckResult) -> None:
    case = ET.SubElement(suite, "testcase", classname=_xml(exercise), name=_xml(check.name))
    if check.status == "passed":
        return
    if check.status in SKIPPED:
        tag = "skipped"
    else:
        tag = "failure" if check.status in FAILURE else "error"
    outcome = ET.SubElement(
        case, tag, message=_xml(f"{check.status}: {check.title or check.name}"), type=check.status
    )
    outcome.text = _xml(_check_output(check)) or None


def _counts(checks: list[CheckResult]) -> dict[str, str]:
    return {
        "tests": str(len(checks)),
        "failures": str(sum(c.status in FAILURE for c in checks)),
        "errors": str(sum(c.status in ERROR for c in checks)),
        "skipped": str(sum(c.status in SKIPPED for c in checks)),
    }


def _testsuite(root: ET.Element, sub: SubmissionResult) -> list[CheckResult]:
    checks = [check for ex in sub.exercises for check in ex.checks]
    elapsed = sum(ex.elapsed_s for ex in sub.exercises)
    attributes = {"name": _xml(sub.student), "time": f"{elapsed:.3f}", **_counts(checks)}
    suite = ET.SubElement(root, "testsuite", attributes)
    properties = ET.SubElement(suite, "properties")
    for key, value in (("score", sub.score), ("max_score", sub.max_score)):
        ET.SubElement(properties, "property", name=key, value=_number(value))
    ET.SubElement(properties, "property", name="late", value=str(sub.late).lower())
    for ex in sub.exercises:
        for check in ex.checks:
            _testcase(suite, ex.exercise, check)
    return checks


def write_junit(batch: BatchResult, path: Path) -> None:
    """JUnit XML: a <testsuite> per student, a <testcase> per check, outcome elements by verdict.

    failed/invalid -> <failure>, error/crashed/timeout/memory -> <error>,
    not_attempted -> <skipped>; every suite and the root carry their counts.
    """
    root = ET.Element("testsuites", name="grade")
    checks: list[CheckResult] = []
    for sub in batch.submissions:
        checks += _testsuite(root, sub)
    root.attrib.update(_counts(checks))
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
