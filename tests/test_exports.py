"""Tests for grader.outputs.exports:
CSV, Gradescope, JUnit (each parsed back) and the statistics."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.outputs.exports import (
    ExportError,
    gradescope_results,
    safe_folder_name,
    write_csv,
    write_gradescope,
    write_junit,
)
from grader.outputs.models import (
    BatchResult,
    CheckResult,
    Diagnosis,
    ExerciseResult,
    SubmissionResult,
    Verdict,
)
from grader.outputs.statistics import (
    exercise_ids,
    item_analysis,
    most_failed_checks,
    score_distribution,
    top_diagnoses,
)
from tests.adjusted import REASON, adjusted_batch

HOSTILE = "../../<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'
HIDDEN_INPUT = "x = [0.1234, -7.5]"
SIGN = Diagnosis(
    code="sign_flipped",
    title="Sign flipped",
    explanation="the gradient has the opposite sign",
    slide="12",
    evidence=HIDDEN_INPUT,
)
UPSTREAM = Diagnosis(code="upstream_ignored", title="Upstream ignored", explanation="local only")


def chk(
    name: str,
    status: Verdict,
    points: float = 1.0,
    hidden: bool = False,
    feedback: str = "",
    diagnosis: Diagnosis | None = None,
) -> CheckResult:
    return CheckResult(
        name=name,
        title=f"{name.replace('_', ' ')} works",
        status=status,
        score=points if status == "passed" else 0.0,
        max_score=points,
        hidden=hidden,
        feedback=feedback,
        diagnosis=diagnosis,
    )


def exercise(name: str, checks: list[CheckResult], output: str = "") -> ExerciseResult:
    return ExerciseResult(
        exercise=name,
        score=sum(c.score for c in checks),
        max_score=sum(c.max_score for c in checks),
        checks=checks,
        elapsed_s=0.25,
        output=output,
    )


def submission(
    student: str,
    exercises: list[ExerciseResult],
    late: bool = False,
    notes: list[str] | None = None,
) -> SubmissionResult:
    return SubmissionResult(
        student=student,
        score=sum(e.score for e in exercises),
        max_score=sum(e.max_score for e in exercises) or 7.0,
        exercises=exercises,
        late=late,
        notes=notes or [],
    )


def sample_batch() -> BatchResult:
    ada = submission(
        "ada",
        [
            exercise("exercise1", [chk("forward", "passed"), chk("grads", "passed", 2.0)]),
            exercise(
                "exercise10",
                [
                    chk("shape", "passed"),
                    chk("value", "failed", feedback="expected 1.0, got -1.0", diagnosis=SIGN),
                    chk("hidden_value", "failed", 2.0, True, "wrong on a hidden input", SIGN),
                ],
                output=f"debug: {HIDDEN_INPUT}",
            ),
        ],
    )
    bob = submission(
        "bob",
        [
            exercise(
                "exercise1",
                [chk("forward", "error", feedback="ZeroDivisionError"), chk("grads", "timeout")],
            ),
            exercise(
                "exercise10",
                [
                    chk("shape", "not_attempted"),
                    chk("value", "memory"),
                    chk("hidden_value", "crashed", 2.0, True),
                ],
            ),
        ],
        late=True,
    )
    eve = submission(
        HOSTILE,
        [
            exercise(
                "exercise1",
                [
                    chk("forward", "invalid", feedback="<script>x()</script>\x00\x1b[31m"),
                    chk(
                        "grads",
                        "failed",
                        2.0,
                        feedback="expected 1.0, got -1.0",
                        diagnosis=UPSTREAM,
                    ),
                ],
            )
        ],
    )
    cy = submission("cy", [], notes=["no submission"])
    mallory = submission(FORMULA, [exercise("exercise1", [chk("forward", "passed")])])
    return BatchResult(submissions=[ada, bob, eve, cy, mallory])


def test_exercise_ids_are_in_natural_order() -> None:
    assert exercise_ids(sample_batch()) == ["exercise1", "exercise10"]


def test_csv_parses_with_a_header_and_one_row_per_student(tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    write_csv(sample_batch(), path, ["exercise1", "exercise10"], names={"ada": "Zoë Ada"})
    raw = path.read_bytes()
    assert raw.startswith(b"student,")  # plain UTF-8, no byte-order mark
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "student",
        "name",
        "exercise1",
        "exercise10",
        "total",
        "max_total",
        "late",
        "raw_total",
        "exercise1_raw",
        "exercise10_raw",
        "adjustments",
    ]
    assert len(rows) == 5
    ada, bob, eve, cy, mallory = rows
    assert ada == {
        "student": "ada",
        "name": "Zoë Ada",
        "exercise1": "3",
        "exercise10": "1",
        "total": "4",
        "max_total": "7",
        "late": "no",
        "raw_total": "4",
        "exercise1_raw": "3",
        "exercise10_raw": "1",
        "adjustments": "",
    }
    assert (bob["exercise1"], bob["total"], bob["late"]) == ("0", "0", "yes")
    assert eve["student"] == HOSTILE and eve["exercise10"] == ""
    assert (cy["exercise1"], cy["total"], cy["max_total"]) == ("", "0", "7")
    assert mallory["student"] == "'" + FORMULA  # not evaluated by a spreadsheet


def test_gradescope_writes_one_results_file_per_student(tmp_path: Path) -> None:
    folder = tmp_path / "gradescope"
    written = write_gradescope(sample_batch(), folder)
    assert len(written) == 5
    for path in written.values():
        assert path.name == "results.json"
        assert path.parent.parent == folder
        assert path.resolve().is_relative_to(folder.resolve())
        data = json.loads(path.read_text(encoding="utf-8"))
        assert {"score", "execution_time", "output", "tests"} <= set(data)
        for test in data["tests"]:
            assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
            assert test["status"] in ("passed", "failed")
    assert written["ada"] == folder / "ada" / "results.json"
    assert ".." not in written[HOSTILE].parent.name and "/" not in written[HOSTILE].parent.name


def test_gradescope_tests_carry_scores_visibility_and_feedback(tmp_path: Path) -> None:
    written = write_gradescope(sample_batch(), tmp_path)
    ada = json.loads(written["ada"].read_text(encoding="utf-8"))
    assert ada["score"] == 4.0 and ada["execution_time"] == 0.5
    assert "exercise10: 1/4" in ada["output"]
    tests = {t["name"]: t for t in ada["tests"]}
    assert tests["exercise1: grads works"] == {
        "name": "exercise1: grads works",
        "number": "1.2",
        "score": 2.0,
        "max_score": 2.0,
        "status": "passed",
        "output": "",
        "output_format": "text",
        "visibility": "visible",
        "tags": ["exercise1", "passed"],
    }
    public, hidden = tests["exercise10: value works"], tests["exercise10: hidden value works"]
    assert public["visibility"] == "visible" and hidden["visibility"] == "after_published"
    assert "expected 1.0, got -1.0" in public["output"]
    assert HIDDEN_INPUT in public["output"]  # a public check's evidence is shown
    assert "wrong on a hidden input" in hidden["output"]
    assert "Sign flipped" in hidden["output"]
    assert HIDDEN_INPUT not in hidden["output"]
    assert HIDDEN_INPUT not in ada["output"]  # the student's stdout is not exported
    bob = json.loads(written["bob"].read_text(encoding="utf-8"))
    assert (
        "Outcome: timeout."
        in {t["name"]: t for t in bob["tests"]}["exercise1: grads works"]["output"]
    )
    assert "late" in bob["output"]
    cy = json.loads(written["cy"].read_text(encoding="utf-8"))
    assert (cy["score"], cy["tests"], cy["output"]) == (0.0, [], "no submission")


@pytest.mark.parametrize(
    "student", ["..", ".", "a/b", "", ".hidden", "a\\b", "x" * 300, "a..b", "..."]
)
def test_folder_names_are_safe(student: str) -> None:
    name = safe_folder_name(student)
    assert name not in ("", ".", "..")
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert ".." not in name
    assert len(name) <= 100


def test_folder_names_keep_safe_ids_and_separate_unsafe_ones() -> None:
    assert safe_folder_name("s123_ada-l.v2") == "s123_ada-l.v2"
    assert safe_folder_name("a/b") != safe_folder_name("a_b")
    assert safe_folder_name("a/b") != safe_folder_name("a?b")


def test_gradescope_never_puts_two_students_in_one_folder_even_case_insensitively(
    tmp_path: Path,
) -> None:
    """Colliding names (equal safe names, ids equal but for case, a crafted id that spells
    another's hashed name) get distinct folders, and the export does not raise."""
    crafted = safe_folder_name("a b")  # 'a_b-<hash>': a student may choose this id too
    ids = ["ada", "Ada", "ADA", "a b", crafted, "a?b", "a_b", "con", "ada"]
    batch = BatchResult(submissions=[submission(sid, []) for sid in ids])
    written = write_gradescope(batch, tmp_path)
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert len(folders) == len(ids)
    assert len({name.casefold() for name in folders}) == len(ids)
    assert "ada" in folders and written["a_b"].parent.name == "a_b"  # the first keeps its name
    assert written["con"].parent.name.startswith("con-")  # a reserved name on Windows
    for path in written.values():
        assert json.loads(path.read_text(encoding="utf-8"))["score"] == 0.0
    assert ExportError.__doc__  # kept for callers; student data never raises it


def test_junit_has_a_suite_per_student_and_outcomes_by_verdict(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    write_junit(sample_batch(), path)
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["ada", "bob", HOSTILE, "cy", FORMULA]
    bob = suites["bob"]
    outcomes = {
        (c.get("classname"), c.get("name")): [child.tag for child in c]
        for c in bob.findall("testcase")
    }
    assert outcomes == {
        ("exercise1", "forward"): ["error"],
        ("exercise1", "grads"): ["error"],
        ("exercise10", "shape"): ["skipped"],
        ("exercise10", "value"): ["error"],
        ("exercise10", "hidden_value"): ["error"],
    }
    counts = {k: bob.get(k) for k in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": "5", "failures": "0", "errors": "4", "skipped": "1"}
    ada = suites["ada"]
    assert [c.tag for c in ada.iter() if c.tag in ("failure", "error", "skipped")] == [
        "failure",
        "failure",
    ]
    assert (ada.get("tests"), ada.get("failures"), ada.get("errors")) == ("5", "2", "0")
    properties = {p.get("name"): p.get("value") for p in ada.iter("property")}
    assert properties == {"score": "4", "max_score": "7", "raw_score": "4", "late": "false"}
    assert suites["cy"].get("tests") == "0"
    assert root.get("tests") == "13" and root.get("failures") == "4"


def test_junit_survives_control_characters_and_markup(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    write_junit(sample_batch(), path)
    root = ET.parse(path).getroot()
    eve = next(s for s in root.iter("testsuite") if s.get("name") == HOSTILE)
    failure = eve.find("testcase/failure")
    assert failure is not None and failure.get("type") == "invalid"
    assert failure.text is not None and "<script>x()</script>" in failure.text
    assert "\x00" not in failure.text


def test_item_analysis_sorts_by_lowest_pass_rate() -> None:
    items = item_analysis(sample_batch())
    rates = [item.pass_rate for item in items]
    assert rates == sorted(rates)
    by_key = {(i.exercise, i.check): i for i in items}
    forward = by_key[("exercise1", "forward")]
    assert (forward.attempts, forward.passed, forward.pass_rate) == (4, 2, 0.5)
    assert forward.verdicts == {"passed": 2, "error": 1, "invalid": 1}
    hidden = by_key[("exercise10", "hidden_value")]
    assert hidden.hidden and hidden.pass_rate == 0.0 and hidden.max_score == 2.0
    assert items[0].pass_rate == 0.0
    grads = by_key[("exercise1", "grads")]
    assert (grads.common_feedback, grads.common_feedback_count) == ("expected 1.0, got -1.0", 1)


def test_most_failed_checks_counts_non_passing_students() -> None:
    failed = most_failed_checks(sample_batch(), n=2)
    assert [(f.exercise, f.check) for f in failed] == [
        ("exercise10", "hidden_value"),
        ("exercise10", "value"),
    ]
    assert all(f.passed < f.attempts for f in most_failed_checks(sample_batch(), n=50))


def test_score_distribution_counts_whole_points() -> None:
    batch = sample_batch()
    assert score_distribution(batch, "exercise1") == [2, 1, 0, 1]
    assert score_distribution(batch, "exercise10") == [1, 1, 0, 0, 0]
    assert score_distribution(batch, "exercise99") == []


def test_top_diagnoses_count_students_then_occurrences() -> None:
    stats = top_diagnoses(sample_batch(), n=5)
    assert [(s.code, s.students, s.occurrences) for s in stats] == [
        ("sign_flipped", 1, 2),
        ("upstream_ignored", 1, 1),
    ]
    assert stats[0].title == "Sign flipped" and stats[0].exercises == ("exercise10",)
    assert len(top_diagnoses(sample_batch(), n=1)) == 1


def test_every_export_shows_the_raw_score_beside_the_one_that_counts(tmp_path: Path) -> None:
    batch = adjusted_batch(tmp_path)
    write_csv(batch, tmp_path / "g.csv", ["exercise2", "exercise3"])
    with (tmp_path / "g.csv").open(encoding="utf-8", newline="") as handle:
        ada, bob = csv.DictReader(handle)
    assert (ada["exercise2"], ada["exercise2_raw"], ada["total"], ada["raw_total"]) == (
        "2",
        "4",
        "4",
        "6",
    )
    assert ada["adjustments"] == "exercise2: raw 4; 2 days late (due 2026-03-02 22:59 UTC): -50%"
    assert (bob["exercise2"], bob["exercise2_raw"], bob["total"], bob["raw_total"]) == (
        "3",
        "1",
        "5",
        "3",
    )
    assert bob["adjustments"] == f"exercise2: raw 1; set to 3 by staff ({REASON})"

    ada_gs, bob_gs = (gradescope_results(sub) for sub in batch.submissions)
    assert (ada_gs["score"], bob_gs["score"]) == (4.0, 5.0)
    assert "exercise2: 2/4 (raw 4; 2 days late" in str(ada_gs["output"])
    assert "Total before course policy and staff changes: 6." in str(ada_gs["output"])
    assert "exercise2: 3/4 (raw 1; set to 3 by staff)" in str(bob_gs["output"])
    assert REASON not in json.dumps(bob_gs)  # students are not shown staff's reason

    write_junit(batch, tmp_path / "j.xml")
    suites = {s.get("name"): s for s in ET.parse(tmp_path / "j.xml").getroot()}
    props = {p.get("name"): p.get("value") for p in suites["bob"].iter("property")}
    assert (props["score"], props["raw_score"]) == ("5", "3")
    assert props["adjusted:exercise2"] == f"3/4: raw 1; set to 3 by staff ({REASON})"

    dumped = json.loads(batch.model_dump_json())
    grade = dumped["submissions"][1]["grades"][0]
    assert (grade["raw_score"], grade["score"], grade["override"]["reason"]) == (1.0, 3.0, REASON)
    assert dumped["submissions"][0]["raw_score"] == 6.0
