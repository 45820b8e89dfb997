"""Gradescope and JUnit exports, pinned where mutation testing found them loose (issue 19):
a second export into the same folder, ids no codec can encode, the folder name's readable
part, what a check's output and a JUnit message say.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.outputs.exports import safe_folder_name, write_gradescope, write_junit
from grader.outputs.models import (
    BatchResult,
    CheckResult,
    ExerciseResult,
    SubmissionResult,
    Verdict,
)


def batch(*checks: CheckResult, student: str = "ada") -> BatchResult:
    result = ExerciseResult(
        exercise="exercise1",
        score=sum(c.score for c in checks),
        max_score=sum(c.max_score for c in checks),
        checks=list(checks),
        elapsed_s=0.25,
    )
    sub = SubmissionResult(
        student=student, score=result.score, max_score=result.max_score, exercises=[result]
    )
    return BatchResult(submissions=[sub])


def check(name: str, status: Verdict, title: str = "", feedback: str = "") -> CheckResult:
    points = 1.0 if status == "passed" else 0.0
    return CheckResult(
        name=name, title=title, status=status, score=points, max_score=1.0, feedback=feedback
    )


def test_a_second_export_into_the_same_folder_replaces_the_first(tmp_path: Path) -> None:
    write_gradescope(batch(check("forward", "failed")), tmp_path)
    written = write_gradescope(batch(check("forward", "passed")), tmp_path)
    assert json.loads(written["ada"].read_text(encoding="utf-8"))["score"] == 1.0


def test_an_id_with_an_unencodable_surrogate_gets_a_folder(tmp_path: Path) -> None:
    student = "ada\udcff"  # what os.fsdecode makes of a non-UTF-8 byte in a file name
    name = safe_folder_name(student)
    assert name.startswith("ada_-") and name != safe_folder_name("ada\udcfe")
    assert write_gradescope(batch(check("forward", "passed"), student=student), tmp_path)


def test_an_unsafe_id_keeps_its_readable_part_in_the_folder_name() -> None:
    assert safe_folder_name("../../ada").startswith("____ada-")
    assert safe_folder_name(".").startswith("student-")


def test_outcome_lines_only_for_verdicts_other_than_passed_and_failed(tmp_path: Path) -> None:
    checks = (
        check("a", "passed"),
        check("b", "failed", feedback="expected 1, got 2"),
        check("c", "timeout"),
    )
    written = write_gradescope(batch(*checks), tmp_path)
    tests = json.loads(written["ada"].read_text(encoding="utf-8"))["tests"]
    assert [t["output"] for t in tests] == ["", "expected 1, got 2", "Outcome: timeout."]


def test_junit_messages_carry_the_title_and_suites_their_time(tmp_path: Path) -> None:
    checks = (check("grads", "failed", title="da/dx is 2"), check("shape", "error"))
    write_junit(batch(*checks), tmp_path / "junit.xml")
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("time") == "0.250"
    messages = [e.get("message") for e in suite.iter() if e.tag in ("failure", "error")]
    assert messages == ["failed: da/dx is 2", "error: shape"]
