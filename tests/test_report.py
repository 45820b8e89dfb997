"""The rich report renders the results model for students and teaching assistants."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from grader.outputs.console import make_console
from grader.outputs.models import (
    BatchResult,
    CheckResult,
    Diagnosis,
    ExerciseResult,
    Isolation,
    SubmissionResult,
)
from grader.outputs.report import batch_summary, exercise_report, overrides_table
from tests.adjusted import REASON, adjusted_batch


def render(renderable: object) -> str:
    buffer = StringIO()
    make_console(buffer, width=80).print(renderable)
    return buffer.getvalue()


def result() -> ExerciseResult:
    diagnosis = Diagnosis(
        code="sign_flipped", title="the sign is flipped", explanation="see slide 30"
    )
    checks = [
        CheckResult(name="a", title="forward is right", status="passed", score=2, max_score=2),
        CheckResult(
            name="b",
            title="backward is right",
            status="failed",
            score=0,
            max_score=3,
            feedback="x.grad is wrong\nexpected: 1\ngot: -1",
            diagnosis=diagnosis,
        ),
        CheckResult(
            name="hidden_c",
            title="hidden shapes",
            status="timeout",
            score=0,
            max_score=1,
            hidden=True,
            feedback="took too long",
        ),
    ]
    return ExerciseResult(
        exercise="exercise2",
        score=2,
        max_score=6,
        checks=checks,
        isolation=Isolation(engine="forkserver", layers={"landlock": False, "session": True}),
        output="[bold]student print[/bold]",
    )


def test_report_has_checks_feedback_diagnosis_and_total() -> None:
    text = render(exercise_report(result(), "ReLU", "exercise2.py"))
    for words in (
        "forward is right",
        "backward is right",
        "expected: 1",
        "the sign is flipped",
        "(hidden)",
        "timeout",
        "Total: 2 / 6",
        "degraded isolation: missing landlock",
    ):
        assert words in text, words


def test_student_output_is_not_markup() -> None:
    assert "[bold]student print[/bold]" in render(exercise_report(result()))


def test_batch_summary_has_table_distribution_and_most_failed() -> None:
    batch = BatchResult(
        submissions=[
            SubmissionResult(
                student="[red]eve[/red]", score=2, max_score=6, exercises=[result()], late=True
            ),
        ],
        warnings=["unmatched file notes.txt"],
    )
    text = render(batch_summary(batch, ["exercise2"]))
    assert "[red]eve[/red]" in text
    assert "Most-failed checks" in text and "backward is right" in text
    assert "warning: unmatched file notes.txt" in text


def test_the_table_marks_adjusted_scores_and_shows_the_raw_total(tmp_path: Path) -> None:
    batch = adjusted_batch(tmp_path)
    buffer = StringIO()
    console = make_console(file=buffer, width=80)
    console.print(batch_summary(batch, ["exercise2", "exercise3"]))
    listed = overrides_table(batch)
    assert listed is not None
    console.print(listed)
    text = buffer.getvalue()
    cells = [line.split() for line in text.splitlines()]
    rows = {row[0]: row for row in cells if len(row) > 2 and row[1] == "·"}
    assert rows["ada"][-4:] == ["2*", "2", "4/8", "6"]  # exercise2 after -50%, then raw total
    assert rows["bob"][-4:] == ["3†", "2", "5/8", "3"]
    assert "* = late penalty, † = set by staff" in " ".join(text.split())
    assert "Overrides" in text and REASON.split()[0] in text
    plain = batch.model_copy(
        update={"submissions": [s.model_copy(update={"grades": []}) for s in batch.submissions]}
    )
    assert overrides_table(plain) is None
