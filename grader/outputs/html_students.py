"""The HTML report's section per student: every check's verdict and the feedback that student
would see (hidden checks redacted, as everywhere); in the staff report (`--html-staff`), also the
staff-only detail, kept apart and marked.

Each section's anchor is the student's position in the report (`student-3`), never text the
student controls; the grades table links to it. Every string goes through `html_text`
(escaped, control characters shown as escapes).
"""

from __future__ import annotations

from grader.outputs.models import BatchResult, CheckResult, ExerciseResult, SubmissionResult
from grader.outputs.text import html_text as escape


def anchor(position: int) -> str:
    return f"student-{position}"


def student_sections(batch: BatchResult, staff: bool = False) -> str:
    """One `<section>` per student, in the order of the grades table; with `staff`, hidden
    checks' staff-only detail too, in blocks marked so."""
    parts = ["<h2>Students</h2>"]
    parts += [_section(i, sub, staff) for i, sub in enumerate(batch.submissions)]
    return "\n".join(parts)


def _section(position: int, sub: SubmissionResult, staff: bool) -> str:
    name = f" · {escape(sub.name)}" if sub.name and sub.name != sub.student else ""
    head = (
        f'<section class="student" id="{anchor(position)}">'
        f"<h3>{escape(sub.student)}{name}: {sub.score:g}/{sub.max_score:g}</h3>"
    )
    body = [_exercise(result, sub, staff) for result in sub.exercises] or ["<p>no submission</p>"]
    return (
        head
        + "".join(body)
        + '<p class="small"><a href="#grades">back to the grades</a></p>'
        + "</section>"
    )


def _exercise(result: ExerciseResult, sub: SubmissionResult, staff: bool) -> str:
    rows = "".join(_check(check, staff) for check in result.checks)
    grade = sub.grade(result.exercise)
    why = grade.describe(staff=staff) if grade is not None else ""
    counts = (
        f" → {grade.score:g}/{grade.max_score:g} counts ({escape(why)})"
        if grade is not None and why
        else ""
    )
    return (
        f"<h4>{escape(result.exercise)}: {result.score:g}/{result.max_score:g}{counts}</h4>"
        f'<table class="checks"><thead><tr><th>check</th><th>verdict</th><th>points</th>'
        f"<th>what the student sees</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _check(check: CheckResult, staff: bool) -> str:
    seen = [escape(check.feedback)] if check.feedback else []
    if check.diagnosis is not None:
        seen.append(f"<i>likely misconception: {escape(check.diagnosis.title)}</i>")
    detail = (
        f'<details class="staff"><summary>staff only</summary><pre>'
        f"{escape(check.staff_feedback)}</pre></details>"
        if staff and check.staff_feedback
        else ""
    )
    hidden = " (hidden)" if check.hidden else ""
    return (
        f"<tr><td>{escape(check.title or check.name)}{hidden}</td>"
        f'<td class="{escape(check.status)}">{escape(check.status)}</td>'
        f'<td class="num">{check.score:g}/{check.max_score:g}</td>'
        f'<td><pre class="feedback">{"<br>".join(seen)}</pre>{detail}</td></tr>'
    )
