"""Exports of a `BatchResult`: CSV for spreadsheets, Gradescope results and JUnit XML.

Scores are the ones that count (after the course policy and staff overrides,
`SubmissionResult.grades`); each export also shows the judge's raw score and what changed it.

Every function here is pure in the model: it reads a `BatchResult` and writes to the path it is
given, nothing else. Class statistics live in `grader.outputs.statistics`.

Student ids and feedback are untrusted text: CSV cells that a spreadsheet would read as a
formula are quoted with a leading apostrophe, folder names are sanitised and unique even
case-insensitively (macOS and Windows fold case), XML gets only the characters XML 1.0 allows,
and hidden checks never show the evidence (inputs) of a diagnosis. No export raises on
student data: a name that would collide gets a suffix instead.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.outputs.models import (
    BatchResult,
    CheckResult,
    ExerciseResult,
    SubmissionResult,
    Verdict,
)

FAILURE: frozenset[Verdict] = frozenset({"failed", "invalid"})
ERROR: frozenset[Verdict] = frozenset({"error", "crashed", "timeout", "memory"})
SKIPPED: frozenset[Verdict] = frozenset({"not_attempted"})

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_RESERVED_NAME = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class ExportError(Exception):
    """An export cannot be written (kept for callers; student data never raises it)."""


def number(value: float) -> str:
    """A score as exports show it: at most four decimals, no trailing zeros."""
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
    """One row per student: student, name, a score per exercise, total, max_total, late, then
    the judge's raw scores (raw_total, `<exercise>_raw`) and `adjustments`.

    Plain UTF-8 with a header row and no index column. The per-exercise scores and the total
    are the ones that count: after the course policy (late penalties) and staff overrides;
    `adjustments` says, per exercise, what changed the raw score and why. An exercise the
    student has no result for is left empty (not graded), which spreadsheets sum as 0.
    """
    names = names or {}
    raw_columns = [f"{exercise}_raw" for exercise in exercise_ids]
    with path.open("w", encoding="utf-8", errors="replace", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["student", "name", *exercise_ids, "total", "max_total", "late"]
            + ["raw_total", *raw_columns, "adjustments"]
        )
        for sub in batch.submissions:
            raw = {ex.exercise: number(ex.score) for ex in sub.exercises}
            counted = [sub.score_of(exercise) for exercise in exercise_ids]
            writer.writerow(
                [
                    _cell(sub.student),
                    _cell(names.get(sub.student) or sub.name),
                    *("" if score is None else number(score) for score in counted),
                    number(sub.score),
                    number(sub.max_score),
                    "yes" if sub.late else "no",
                    number(sub.raw_score),
                    *(raw.get(exercise, "") for exercise in exercise_ids),
                    _cell(adjustments(sub)),
                ]
            )


def adjustments(sub: SubmissionResult, *, staff: bool = True) -> str:
    """'exercise2: raw 10; 2 days late (...): -20%' per adjusted exercise, joined by ' | '.
    Students (`staff=False`) are not shown an override's reason."""
    return " | ".join(
        f"{grade.exercise}: {line}" for grade in sub.grades if (line := grade.describe(staff=staff))
    )


def safe_folder_name(student: str) -> str:
    """A folder name for a student id: no separators, no '..', no leading dot.

    Ids that are already safe are kept; others get their unsafe characters replaced and a
    short hash of the original appended, so two different ids do not meet in one folder.
    """
    cleaned = re.sub(r"\.{2,}", "_", _UNSAFE_NAME.sub("_", student)).lstrip(".")[:80]
    if cleaned == student and cleaned and not _RESERVED_NAME.match(cleaned):
        return cleaned
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{cleaned or 'student'}-{digest}"


def check_output(check: CheckResult) -> str:
    """A check's feedback as plain text, as students see it (hidden checks arrive redacted)."""
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


def gradescope_test(
    result: ExerciseResult,
    check: CheckResult,
    number: str,
    hidden_visibility: str = "after_published",
) -> dict[str, object]:
    """One check as an entry of Gradescope's `tests` list: the feedback students see (hidden
    checks arrive redacted), shown as plain text; a hidden check's entry is shown to students
    as `hidden_visibility` says (Gradescope's default for them: after the grades are out)."""
    return {
        "name": f"{result.exercise}: {check.title or check.name}",
        "number": number,
        "score": check.score,
        "max_score": check.max_score,
        "status": "passed" if check.status == "passed" else "failed",
        "output": check_output(check),
        "output_format": "text",
        "visibility": hidden_visibility if check.hidden else "visible",
        "tags": [result.exercise, check.status],
    }


def _gradescope_tests(exercises: list[ExerciseResult]) -> list[dict[str, object]]:
    return [
        gradescope_test(ex, check, f"{i}.{j}")
        for i, ex in enumerate(exercises, start=1)
        for j, check in enumerate(ex.checks, start=1)
    ]


def gradescope_results(sub: SubmissionResult) -> dict[str, object]:
    """One student's results in Gradescope's autograder `results.json` format.

    The submission's captured stdout is left out: code under a hidden check could print the
    hidden inputs it was given.
    """
    lines = []
    for ex in sub.exercises:
        counted, grade = sub.score_of(ex.exercise), sub.grade(ex.exercise)
        why = grade.describe(staff=False) if grade is not None else ""
        shown = number(counted if counted is not None else ex.score)
        lines.append(
            f"{ex.exercise}: {shown}/{number(ex.max_score)}" + (f" ({why})" if why else "")
        )
    lines += sub.notes
    if sub.late:
        lines.append("This submission was late.")
    if sub.raw_score != sub.score:
        lines.append(f"Total before course policy and staff changes: {number(sub.raw_score)}.")
    return {
        "score": sub.score,
        "execution_time": round(sum(ex.elapsed_s for ex in sub.exercises), 3),
        "output": "\n".join(lines),
        "tests": _gradescope_tests(sub.exercises),
    }


def unique_folder_names(students: Sequence[str]) -> list[str]:
    """A safe folder name per student, no two equal even case-insensitively.

    The first student (in the order given) to claim a name keeps it; a later one whose name
    folds to a taken one gets the hash of its id appended, then a counter if still taken.
    """
    taken: set[str] = set()
    names = []
    for student in students:
        name = safe_folder_name(student)
        if name.casefold() in taken:
            digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:10]
            base = f"{name[:80]}-{digest}"
            name, count = base, 1
            while name.casefold() in taken:
                count += 1
                name = f"{base}-{count}"
        taken.add(name.casefold())
        names.append(name)
    return names


def write_gradescope(batch: BatchResult, folder: Path) -> dict[str, Path]:
    """Write `<folder>/<name>/results.json` per student (`unique_folder_names`); returns
    student -> file."""
    written: dict[str, Path] = {}
    names = unique_folder_names([sub.student for sub in batch.submissions])
    for sub, name in zip(batch.submissions, names, strict=True):
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
    outcome.text = _xml(check_output(check)) or None


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
    scores = (("score", sub.score), ("max_score", sub.max_score), ("raw_score", sub.raw_score))
    for key, value in scores:
        ET.SubElement(properties, "property", name=key, value=number(value))
    ET.SubElement(properties, "property", name="late", value=str(sub.late).lower())
    for grade in sub.grades:
        if why := grade.describe():
            text = _xml(f"{number(grade.score)}/{number(grade.max_score)}: {why}")
            ET.SubElement(properties, "property", name=f"adjusted:{grade.exercise}", value=text)
    if sub.name:
        ET.SubElement(properties, "property", name="student_name", value=_xml(sub.name))
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
