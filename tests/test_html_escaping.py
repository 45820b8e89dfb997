"""Every string a student can influence reaches the HTML class report as text, never markup.

Each field of the results model that carries student-controlled text (id, notes, warnings,
feedback, check names and titles, diagnosis text, exercise ids and titles) gets its own
payload; the page is parsed, and no payload may add an element or an attribute, while its text
must still be there for staff to read.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from grader.outputs.html_report import render_html
from grader.outputs.models import (
    BatchResult,
    CheckResult,
    Diagnosis,
    ExerciseResult,
    SubmissionResult,
)

FIELDS = (
    "student",
    "note",
    "warning",
    "feedback",
    "check",
    "title",
    "diagnosis_title",
    "diagnosis_code",
    "exercise_title",
)


def payload(field: str) -> str:
    """Markup that would add an element and an event-handler attribute if left unescaped."""
    return f"<img src=x onerror=alert('{field}')>\"'&<b class=\"{field}\">x</b>"


class Page(HTMLParser):
    """Every element and attribute of the page, and its text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def batch(hostile: set[str]) -> tuple[BatchResult, dict[str, str]]:
    def text(field: str, plain: str) -> str:
        return payload(field) if field in hostile else plain

    diagnosis = Diagnosis(
        code=text("diagnosis_code", "sign_flipped"),
        title=text("diagnosis_title", "The sign is flipped"),
        explanation="d/dx of -x is -1",
    )
    check = CheckResult(
        name=text("check", "forward"),
        title=text("title", "relu(x) is x where x > 0"),
        status="failed",
        score=0,
        max_score=1,
        feedback=text("feedback", "expected 1.0, got -1.0"),
        diagnosis=diagnosis,
    )
    passed = CheckResult(name="shape", status="passed", score=1, max_score=1)
    result = ExerciseResult(exercise="exercise2", score=1, max_score=2, checks=[check, passed])
    student = SubmissionResult(
        student=text("student", "ada"),
        score=1,
        max_score=2,
        exercises=[result],
        notes=[text("note", "renamed from relu.py")],
    )
    warnings = [text("warning", "stray.txt matches no exercise")]
    return BatchResult(submissions=[student], warnings=warnings), {
        "exercise2": text("exercise_title", "ReLU")
    }


def test_the_plain_page_is_the_baseline() -> None:
    page = Page(render_html(*batch(set())))
    assert "img" not in page.tags and "b" in page.tags  # the page uses <b> for totals itself


@pytest.mark.parametrize("field", FIELDS)
def test_student_text_adds_no_element_or_attribute(field: str) -> None:
    plain, hostile = Page(render_html(*batch(set()))), Page(render_html(*batch({field})))
    assert hostile.tags == plain.tags
    assert hostile.attributes == plain.attributes
    assert not any(name.startswith("on") for name, _ in hostile.attributes)


@pytest.mark.parametrize("field", FIELDS)
def test_student_text_is_still_readable(field: str) -> None:
    page = Page(render_html(*batch({field})))
    assert any(payload(field) in chunk for chunk in page.text), field


def test_the_whole_payload_never_appears_raw() -> None:
    page = render_html(*batch(set(FIELDS)))
    for field in FIELDS:
        assert payload(field) not in page
    assert "<img" not in page
