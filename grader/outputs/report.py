"""Rich renderings of the results model: the student's report and the batch table.

Pure functions from models to rich renderables; the CLI prints them through one console.
Every string a student controls (ids, file names, feedback, printed output, warnings) goes
in as `untrusted(...)`: never markup, control characters escaped, ids and warnings on one line.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.outputs.console import untrusted
from grader.outputs.models import (
    BatchResult,
    CheckResult,
    ExerciseGrade,
    ExerciseResult,
    Verdict,
    degraded_isolation,
)

# The terminal shows the misconceptions most students hold; the HTML report shows them all.
MISCONCEPTIONS_SHOWN = 10

STYLE: dict[Verdict, tuple[str, str]] = {
    "passed": ("✔", "green"),
    "failed": ("✘", "red"),
    "error": ("!", "red"),
    "not_attempted": ("·", "yellow"),
    "timeout": ("⏱", "magenta"),
    "memory": ("M", "magenta"),
    "crashed": ("☠", "magenta"),
    "invalid": ("?", "red"),
}


def verdict_text(status: Verdict) -> Text:
    mark, colour = STYLE[status]
    return Text(f"{mark} {status}", style=colour)


def exercise_report(result: ExerciseResult, title: str = "", filename: str = "") -> RenderableType:
    """The student's view of one graded exercise: checks, what went wrong and why, the total."""
    parts: list[RenderableType] = [_heading(result, title, filename), _check_table(result)]
    parts += [_feedback_panel(check) for check in result.checks if check.status != "passed"]
    if result.output.strip():
        parts.append(
            Panel(
                untrusted(result.output.rstrip(), one_line=False),
                title="what your code printed",
                border_style="dim",
                title_align="left",
            )
        )
    parts.append(_total_line(result))
    return Group(*parts)


def _heading(result: ExerciseResult, title: str, filename: str) -> Text:
    text = untrusted(result.exercise, style="bold")
    if title:
        text.append_text(untrusted(f": {title}"))
    details = [d for d in (filename, f"device {result.device}") if d]
    text.append("\n")
    text.append_text(untrusted(" · ".join(details), style="dim"))
    iso = result.isolation
    if iso.engine != "none" and iso.degraded:
        text.append(f"\ndegraded isolation: missing {', '.join(iso.missing)}", style="yellow")
    return text


def _check_table(result: ExerciseResult) -> Table:
    table = Table(show_edge=False, expand=False, pad_edge=False)
    table.add_column("check")
    table.add_column("points", justify="right")
    table.add_column("verdict")
    for check in result.checks:
        label = untrusted(check.title or check.name)
        if check.hidden:
            label.append("  (hidden)", style="dim")
        table.add_row(label, f"{check.score:g}/{check.max_score:g}", verdict_text(check.status))
    return table


def _feedback_panel(check: CheckResult) -> Panel:
    body = untrusted(check.feedback or "no details", one_line=False)
    if check.diagnosis is not None and check.diagnosis.title not in check.feedback:
        body.append("\n")
        body.append_text(
            untrusted(
                f"likely misconception: {check.diagnosis.title}. {check.diagnosis.explanation}",
                style="cyan",
            )
        )
    mark, colour = STYLE[check.status]
    title = Text(f"{mark} ").append_text(untrusted(check.title or check.name))
    return Panel(body, title=title, title_align="left", border_style=colour)


def _total_line(result: ExerciseResult) -> Text:
    text = Text(f"Total: {result.score:g} / {result.max_score:g}", style="bold")
    if result.hidden_pending:
        text.append(
            f"\n{result.hidden_pending} hidden check(s) worth "
            f"{result.hidden_pending_points:g} points will run when staff grade this exercise.",
            style="dim",
        )
    return text


def batch_table(batch: BatchResult, exercise_ids: Sequence[str]) -> Table:
    """Students × exercises (columns numbered by exercise), with totals; fits 80 columns.

    Cells show the score that counts: `*` marks one the late policy lowered, `†` one staff set
    (an override); when any counts differently from the judge's score, a `raw` column shows the
    judge's total beside the total that counts."""
    adjusted = any(g.adjusted for sub in batch.submissions for g in sub.grades)
    table = Table(
        title="Gradebook",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        caption="columns: exercise number; — = nothing handed in"
        + ("; * = late penalty, † = set by staff" if adjusted else ""),
    )
    table.add_column("student", no_wrap=True, max_width=18, overflow="ellipsis")
    for exercise_id in exercise_ids:
        table.add_column(exercise_id.removeprefix("exercise"), justify="right", no_wrap=True)
    table.add_column("total", justify="right", style="bold", no_wrap=True)
    if adjusted:
        table.add_column("raw", justify="right", no_wrap=True)
    for sub in batch.submissions:
        by_id = {ex.exercise: ex for ex in sub.exercises}
        cells = []
        for exercise_id in exercise_ids:
            ex, grade = by_id.get(exercise_id), sub.grade(exercise_id)
            cells.append(Text("—") if ex is None and grade is None else _score_cell(ex, grade))
        shown = sub.student + (f" · {sub.name}" if sub.name and sub.name != sub.student else "")
        name = untrusted(shown + (" (late)" if sub.late else ""))
        raw = [f"{sub.raw_score:g}"] if adjusted else []
        table.add_row(name, *cells, f"{sub.score:g}/{sub.max_score:g}", *raw)
    return table


def _score_cell(result: ExerciseResult | None, grade: ExerciseGrade | None = None) -> Text:
    score = grade.score if grade is not None else result.score if result is not None else 0.0
    top = grade.max_score if grade is not None else result.max_score if result is not None else 0
    colour = "green" if score == top else ("red" if score == 0 else "yellow")
    mark = ""
    if grade is not None and grade.override is not None:
        mark = "†"
    elif grade is not None and grade.adjusted:
        mark = "*"
    return Text(f"{score:g}{mark}", style=colour)


def overrides_table(batch: BatchResult) -> Table | None:
    """Every override in force: whose, which exercise, the judge's score and the one staff set,
    when and why (`grade gradebook show`); None when there is none."""
    rows = [(sub, g) for sub in batch.submissions for g in sub.grades if g.override is not None]
    if not rows:
        return None
    table = Table(title="Overrides (set by staff; a regrade keeps them)", show_edge=False)
    for column in ("student", "exercise", "raw", "set to", "when (UTC)", "reason"):
        table.add_column(column)
    for sub, grade in rows:
        assert grade.override is not None
        table.add_row(
            untrusted(sub.student),
            untrusted(grade.exercise),
            f"{grade.raw_score:g}",
            f"{grade.override.score:g}",
            grade.override.at[:19].replace("T", " "),
            untrusted(grade.override.reason),
        )
    return table


def batch_summary(batch: BatchResult, exercise_ids: Sequence[str]) -> RenderableType:
    """After a batch: the table, each exercise's score distribution, the most-failed checks."""
    from grader.outputs.statistics import (
        misconception_analysis,
        most_failed_checks,
        score_distribution,
    )

    parts: list[RenderableType] = [batch_table(batch, exercise_ids)]
    if batch.run is not None:
        parts.append(run_line(batch))
    graded = [
        ex
        for ex in exercise_ids
        if any(e.exercise == ex for s in batch.submissions for e in s.exercises)
    ]
    if graded:
        dist = Table(
            title="Score distribution (students per point, from 0 to full marks)", show_edge=False
        )
        dist.add_column("exercise")
        dist.add_column("students")
        for exercise_id in graded:
            dist.add_row(untrusted(exercise_id), _sparkline(score_distribution(batch, exercise_id)))
        parts.append(dist)
    failed = most_failed_checks(batch, 5)
    if failed:
        worst = Table(title="Most-failed checks", show_edge=False)
        for column in ("exercise", "check", "pass rate", "most common feedback"):
            worst.add_column(column)
        for item in failed:
            worst.add_row(
                untrusted(item.exercise),
                untrusted(item.title or item.check),
                f"{item.pass_rate:.0%}",
                untrusted(_first_line(item.common_feedback)[:70]),
            )
        parts.append(worst)
    held = misconception_analysis(batch)[:MISCONCEPTIONS_SHOWN]
    if held:
        ranked = Table(title="Misconceptions, by how many students hold them", show_edge=False)
        for column in ("#", "misconception", "students", "share", "checks"):
            ranked.add_column(column)
        for rank, stat in enumerate(held, start=1):
            ranked.add_row(
                str(rank),
                untrusted(stat.title),
                str(stat.students),
                f"{stat.share:.0%}",
                untrusted(", ".join(stat.checks)[:70]),
            )
        parts.append(ranked)
    parts += [untrusted(f"warning: {w}", style="yellow") for w in batch.warnings]
    if degraded := degraded_isolation(batch):
        parts.append(Text(degraded, style="yellow"))
    return Group(*parts)


def run_line(batch: BatchResult) -> Text:
    """What this batch did, in one line: graded, unchanged, left to another batch, not graded."""
    run = batch.run
    if run is None:
        return Text("")
    parts = [f"graded {run.graded}", f"unchanged {run.unchanged} (already in the gradebook)"]
    if run.busy:
        parts.append(f"{run.busy} being graded by another batch")
    if run.not_graded:
        parts.append(f"{run.not_graded} not graded (see the warnings)")
    line = Text(", ".join(parts) + "; gradebook: ")
    return line.append_text(untrusted(run.gradebook))


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def _sparkline(counts: Sequence[int]) -> str:
    bars = " ▁▂▃▄▅▆▇█"
    top = max(counts) if counts else 0
    return (
        " ".join(bars[round(8 * c / top)] if top else " " for c in counts) + f"   (n={sum(counts)})"
    )
