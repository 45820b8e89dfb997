"""A course whose points changed is totalled with the new maximum, in the gradebook and in every
export: each exercise's maximum is that of its most recently recorded attempt, so a student
not yet regraded is measured against the course as it is now (the old maxima, 5 + 4, and the
new ones, 6 + 2, give different totals on purpose).
"""

from __future__ import annotations

import csv
import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.outputs.exports import write_csv, write_junit
from grader.outputs.models import CheckResult, ExerciseResult
from grader.staff.gradebook import Gradebook


def result(exercise: str, passed: int, total: int) -> ExerciseResult:
    checks = [
        CheckResult(
            name=f"c{i}",
            status="passed" if i < passed else "failed",
            score=1.0 if i < passed else 0.0,
            max_score=1.0,
        )
        for i in range(total)
    ]
    return ExerciseResult(exercise=exercise, score=passed, max_score=total, checks=checks)


def record(book: Gradebook, who: str, res: ExerciseResult, version: str) -> None:
    digest = hashlib.sha256(f"{who}{res.exercise}{version}".encode()).hexdigest()
    book.record(who, res, content_hash=digest, exercise_version=version)


def regraded_course(tmp_path: Path) -> Gradebook:
    """exercise1 grew from 5 to 6 points, exercise2 shrank from 4 to 2; only bob is regraded."""
    book = Gradebook(tmp_path / "grades.sqlite")
    for who in ("alice", "bob"):
        record(book, who, result("exercise1", 5, 5), "1")
        record(book, who, result("exercise2", 2, 4), "1")
    record(book, "bob", result("exercise1", 6, 6), "2")
    record(book, "bob", result("exercise2", 2, 2), "2")
    return book


def test_the_gradebook_totals_with_the_new_maximum(tmp_path: Path) -> None:
    with regraded_course(tmp_path) as book:
        assert book.exercise_maxima() == {"exercise1": 6.0, "exercise2": 2.0}
        totals = {s.student: (s.score, s.max_score) for s in book.latest().submissions}
    assert totals == {"alice": (7.0, 8.0), "bob": (8.0, 8.0)}


def test_a_student_who_skipped_the_changed_exercise_counts_its_new_maximum(
    tmp_path: Path,
) -> None:
    with regraded_course(tmp_path) as book:
        record(book, "cy", result("exercise2", 1, 2), "2")
        cy = next(s for s in book.latest().submissions if s.student == "cy")
    assert (cy.score, cy.max_score) == (1.0, 8.0)


def test_exports_carry_the_new_maximum(tmp_path: Path) -> None:
    with regraded_course(tmp_path) as book:
        grades = book.latest()
    write_csv(grades, tmp_path / "grades.csv", ["exercise1", "exercise2"])
    with (tmp_path / "grades.csv").open(encoding="utf-8", newline="") as handle:
        table = {row["student"]: row for row in csv.DictReader(handle)}
    assert {s: (r["total"], r["max_total"]) for s, r in table.items()} == {
        "alice": ("7", "8"),
        "bob": ("8", "8"),
    }
    write_junit(grades, tmp_path / "junit.xml")
    suites = ET.parse(tmp_path / "junit.xml").getroot().findall("testsuite")
    maxima = {
        suite.get("name"): suite.find("properties/property[@name='max_score']").get("value")  # type: ignore[union-attr]
        for suite in suites
    }
    assert maxima == {"alice": "8", "bob": "8"}
