"""Hidden means hidden: what students see of a hidden check is its title, verdict and the name
of a diagnosed misconception, in every rendering that reaches them.

A tiny course in tmp_path has two hidden checks. One sends a hidden input to a submission that
raises with it in the message (and prints it); the other fails with the reference's value in its
first line. Graded through a real sandbox, neither string may appear in the student's report,
their `--json`, the Gradescope results, JUnit or CSV; staff keep both, marked staff-only.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.judge.registry import Registry
from grader.judge.sandbox import Engine
from grader.judge.scoring import HIDDEN_FEEDBACK, Source, run_exercise
from grader.outputs import exports
from grader.outputs.console import make_console
from grader.outputs.html_report import write_html
from grader.outputs.models import BatchResult, ExerciseResult, SubmissionResult
from grader.outputs.report import exercise_report

HIDDEN_INPUT = "0.7319284"  # only the hidden check knows it
REFERENCE_VALUE = "0.1358546"  # only the judge knows it

CHECKS = """
from grader.authoring import check, expect_float


@check(points=1)
def doubles_three(sub):
    \"\"\"double(3) is 6.\"\"\"
    expect_float(sub.call("double", 3.0), 6.0)
"""

HIDDEN_CHECKS = f"""
from grader.authoring import Diagnosis, as_float, check, expect_float, fail, within


@check(points=1)
def hidden_echoed_input(sub):
    \"\"\"double works at a hidden point.\"\"\"
    expect_float(sub.call("double", {HIDDEN_INPUT}), 2 * {HIDDEN_INPUT})


@check(points=1)
def hidden_reference_value(sub):
    \"\"\"double works at another hidden point.\"\"\"
    got = as_float(sub.call("double", {float(REFERENCE_VALUE) / 2!r}))
    if not within(got, {REFERENCE_VALUE}):
        fail(
            f"double is wrong: expected {REFERENCE_VALUE}, got {{got}}",
            expected={REFERENCE_VALUE},
            got=got,
            diagnosis=Diagnosis(
                code="adds_one",
                title="adds one instead of doubling",
                explanation="at x = {float(REFERENCE_VALUE) / 2!r} the answer is {REFERENCE_VALUE}",
                evidence="x = {float(REFERENCE_VALUE) / 2!r}",
            ),
        )
"""

# Doubles 3 right; raises with the hidden input in its message (and prints it); adds one
# elsewhere, so the second hidden check fails with the reference's value in its message.
SUBMISSION = f"""
def double(x):
    if x == 3.0:
        print("printed during a public check")
        return 6.0
    if repr(x).startswith("{HIDDEN_INPUT[:6]}"):
        print("I was called with", repr(x))
        raise ValueError(f"cannot double {{x!r}}")
    return x + 1.0
"""


def course(root: Path) -> Registry:
    folder = root / "exercises" / "exercise7"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'id = "exercise7"\ntitle = "doubling"\norder = 7\nfunctions = ["double"]\n'
    )
    (folder / "exercise7.py").write_text("def double(x):\n    raise NotImplementedError\n")
    (folder / "checks.py").write_text(CHECKS)
    reference = root / "reference" / "exercise7"
    reference.mkdir(parents=True)
    (reference / "solution.py").write_text("def double(x):\n    return 2 * x\n")
    (reference / "hidden_checks.py").write_text(HIDDEN_CHECKS)
    return Registry(root)


@pytest.fixture(scope="module")
def graded(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> ExerciseResult:
    registry = course(tmp_path_factory.mktemp("course"))
    exercise = registry.get("exercise7")
    return run_exercise(engine, exercise, Source(SUBMISSION.encode(), "exercise7.py"))


def assert_no_secret(text: str, where: str) -> None:
    for secret in (HIDDEN_INPUT, REFERENCE_VALUE, str(float(REFERENCE_VALUE) / 2)):
        assert secret not in text, f"{where} shows {secret}:\n{text}"


def test_the_secrets_really_were_in_the_feedback(graded: ExerciseResult) -> None:
    """Control: the judge saw both strings, so their absence below is redaction at work."""
    by_name = {c.name: c for c in graded.checks}
    assert by_name["doubles_three"].status == "passed"
    echoed, valued = by_name["hidden_echoed_input"], by_name["hidden_reference_value"]
    assert echoed.status == "error" and HIDDEN_INPUT in echoed.staff_feedback
    assert valued.status == "failed" and REFERENCE_VALUE in valued.staff_feedback
    assert HIDDEN_INPUT in graded.output  # what the code printed, kept for staff


def test_a_hidden_check_shows_its_title_verdict_and_misconception_name_only(
    graded: ExerciseResult,
) -> None:
    for check in (c for c in graded.checks if c.hidden):
        assert check.feedback == HIDDEN_FEEDBACK[check.status]
        assert_no_secret(check.model_dump_json(exclude={"staff_feedback"}), check.name)
    valued = next(c for c in graded.checks if c.name == "hidden_reference_value")
    assert valued.diagnosis is not None and valued.diagnosis.title == "adds one instead of doubling"
    assert valued.diagnosis.explanation == "" and valued.diagnosis.evidence == ""


def test_the_students_report_and_json_are_redacted(graded: ExerciseResult) -> None:
    shown = graded.for_students()
    buffer = StringIO()
    make_console(file=buffer, width=100).print(exercise_report(shown, "doubling", "exercise7.py"))
    report = buffer.getvalue()
    assert "hidden check" in report and "adds one instead of doubling" in report
    assert_no_secret(report, "the report")
    assert_no_secret(shown.model_dump_json(), "--json")
    assert all(c.staff_feedback == "" for c in shown.checks)
    assert "printed during a public check" in shown.output  # what came before is kept
    assert "printed during a public check" in report


def test_exports_that_reach_students_are_redacted(graded: ExerciseResult, tmp_path: Path) -> None:
    batch = BatchResult(
        submissions=[
            SubmissionResult(
                student="s1", score=graded.score, max_score=graded.max_score, exercises=[graded]
            )
        ]
    )
    exports.write_gradescope(batch, tmp_path / "gs")
    exports.write_junit(batch, tmp_path / "junit.xml")
    exports.write_csv(batch, tmp_path / "grades.csv", ["exercise7"])
    write_html(batch, {"exercise7": "doubling"}, tmp_path / "report.html")
    gradescope = (tmp_path / "gs" / "s1" / "results.json").read_text(encoding="utf-8")
    hidden_tests = [t for t in json.loads(gradescope)["tests"] if "hidden point" in t["name"]]
    assert len(hidden_tests) == 2
    assert_no_secret(gradescope, "Gradescope results")
    assert_no_secret((tmp_path / "junit.xml").read_text(encoding="utf-8"), "JUnit")
    assert_no_secret((tmp_path / "grades.csv").read_text(encoding="utf-8"), "CSV")
    assert_no_secret((tmp_path / "report.html").read_text(encoding="utf-8"), "the HTML report")


def test_no_renderer_reads_the_staff_field() -> None:
    """Every student-facing rendering reads `feedback`; none so much as names staff_feedback."""
    outputs = Path(__file__).resolve().parent.parent / "grader" / "outputs"
    for name in ("report.py", "exports.py", "html_report.py", "statistics.py", "console.py"):
        assert "staff_feedback" not in (outputs / name).read_text(encoding="utf-8"), name


def test_staff_views_keep_the_detail(graded: ExerciseResult) -> None:
    """The batch's worker-to-gradebook JSON round trip keeps staff_feedback and the output."""
    stored = ExerciseResult.model_validate_json(graded.model_dump_json())
    assert stored == graded
    assert any(REFERENCE_VALUE in c.staff_feedback for c in stored.checks)


def test_grade_exercise_json_is_redacted_unless_staff(tmp_path: Path) -> None:
    """The student's own `grade exercise7 --json` and report; `--staff` keeps the detail."""
    course(tmp_path)
    submission = tmp_path / "mine.py"
    submission.write_text(SUBMISSION)
    runner = CliRunner()
    common = ["exercise7", "--root", str(tmp_path), "--file", str(submission), "--device", "cpu"]
    student = runner.invoke(app, [*common, "--json"])
    assert student.exit_code == 0, student.output
    data = json.loads(student.stdout)
    assert {c["status"] for c in data["checks"] if c["hidden"]} == {"error", "failed"}
    assert_no_secret(student.stdout, "grade --json")
    report = runner.invoke(app, common)
    assert report.exit_code == 0 and "hidden" in report.stdout
    assert_no_secret(report.stdout, "grade's report")
    staff = runner.invoke(app, [*common, "--json", "--staff"])
    assert staff.exit_code == 0 and REFERENCE_VALUE in staff.stdout
