"""Tests for grader.outputs.html_students and display names in every output: the HTML report's
section per student (linked from the grades table, hidden checks redacted, staff detail marked),
and roster names in the gradebook, the CSV, the terminal table and JUnit."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

from grader.outputs.console import make_console
from grader.outputs.exports import write_csv, write_junit
from grader.outputs.html_report import render_html
from grader.outputs.models import (
    BatchResult,
    CheckResult,
    Diagnosis,
    ExerciseResult,
    SubmissionResult,
)
from grader.outputs.report import batch_table
from grader.staff.gradebook import Gradebook, content_hash

HIDDEN_SECRET = "expected 0.13585 for x = [0.25, -1.5]"


def result() -> ExerciseResult:
    checks = [
        CheckResult(name="shape", title="keeps the shape", status="passed", score=2, max_score=2),
        CheckResult(
            name="zero",
            title="relu'(0) is 0",
            status="failed",
            score=0,
            max_score=2,
            feedback="the gradient at 0 is 1",
            diagnosis=Diagnosis(code="c", title="clamp at zero", explanation="e"),
        ),
        CheckResult(
            name="hidden_values",
            title="hidden values",
            status="failed",
            score=0,
            max_score=4,
            hidden=True,
            feedback="this hidden check failed",
            staff_feedback=HIDDEN_SECRET,
        ),
    ]
    return ExerciseResult(exercise="exercise2", score=2, max_score=8, checks=checks)


def batch() -> BatchResult:
    subs = [
        SubmissionResult(
            student="1001", name="Jane <b>Smith</b>", score=2, max_score=8, exercises=[result()]
        ),
        SubmissionResult(student="bob", score=0, max_score=8, exercises=[]),
    ]
    return BatchResult(submissions=subs)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if found.get("id"):
            self.ids.append(str(found["id"]))


def test_every_student_has_a_section_linked_from_the_grades_table() -> None:
    page = render_html(batch(), {"exercise2": "ReLU"})
    parser = Links()
    parser.feed(page)
    assert "#student-0" in parser.links and "#student-1" in parser.links
    assert {"student-0", "student-1"} <= set(parser.ids)
    section = page[page.index('id="student-0"') :]
    section = section[: section.index("</section>")]
    assert "keeps the shape" in section and "relu&#x27;(0) is 0" in section
    assert "the gradient at 0 is 1" in section and "clamp at zero" in section
    assert "this hidden check failed" in section


def test_hidden_detail_only_in_the_staff_report_in_a_marked_block() -> None:
    assert HIDDEN_SECRET not in render_html(batch(), {"exercise2": "ReLU"})  # may reach students
    page = render_html(batch(), {"exercise2": "ReLU"}, staff=True)
    assert page.count(HIDDEN_SECRET) == 1
    before = page[: page.index(HIDDEN_SECRET)]
    assert before.endswith('<details class="staff"><summary>staff only</summary><pre>')


def test_student_text_in_names_adds_no_markup() -> None:
    def tags(name: str) -> list[str]:
        plain = batch().model_copy(
            update={
                "submissions": [s.model_copy(update={"name": name}) for s in batch().submissions]
            }
        )
        parser = Links()
        parser.feed(render_html(plain, {"exercise2": "ReLU"}))
        return parser.tags

    assert tags("Jane <b>Smith</b><script>x</script>") == tags("Jane Smith")
    page = render_html(batch(), {"exercise2": "ReLU"})
    assert "Jane &lt;b&gt;Smith&lt;/b&gt;" in page and "Jane <b>" not in page


def test_roster_names_reach_the_gradebook_csv_table_and_junit(tmp_path: Path) -> None:
    db = tmp_path / "gradebook.sqlite"
    with Gradebook(db) as book:
        book.add_student("1001", "Jane Smith")
        book.record("1001", result(), content_hash=content_hash(b"x"), exercise_version="1")
        book.add_student("bob")
        grades = book.latest()
    names = {sub.student: sub.name for sub in grades.submissions}
    assert names == {"1001": "Jane Smith", "bob": ""}
    write_csv(grades, tmp_path / "g.csv", ["exercise2"])
    rows = list(csv.DictReader((tmp_path / "g.csv").open()))
    assert {row["student"]: row["name"] for row in rows} == names
    text = StringIO()
    make_console(file=text, width=100).print(batch_table(grades, ["exercise2"]))
    assert "Jane Smith" in text.getvalue()
    write_junit(grades, tmp_path / "j.xml")
    found = {
        prop.get("value")
        for prop in ET.parse(tmp_path / "j.xml").iter("property")
        if prop.get("name") == "student_name"
    }
    assert found == {"Jane Smith"}
