"""The class report as one self-contained HTML page: inline CSS, inline SVG, no script, no network.

Sections: the students x exercises table with totals, a score histogram per exercise, the item
analysis (every check's pass rate, lowest first: the misconceptions the class holds) and the
most frequent diagnoses. The statistics come from `grader.outputs.exports`, shared with the terminal
report. Every string that a student can influence (ids, feedback, diagnosis text) goes through
`html.escape`; a Content-Security-Policy that allows no script is a second line of defence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.outputs.html_students import anchor, student_sections
from grader.outputs.models import (
    BatchResult,
    ExerciseGrade,
    ExerciseResult,
    SubmissionResult,
    degraded_isolation,
)
from grader.outputs.statistics import (
    ItemStat,
    exercise_ids,
    item_analysis,
    misconception_analysis,
    score_distribution,
)
from grader.outputs.text import html_text

PAGE_TITLE = "grade: class report"

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d2330; background: #fff; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #c9ced8; padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #eef1f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.full { background: #c9f0cf; } td.part { background: #fff0b8; }
td.zero { background: #f9c9c4; } td.none { background: #eceff3; color: #6b7280; }
.small { color: #5b6373; font-size: .85em; }
.badge { background: #374151; color: #fff; border-radius: .3rem; padding: 0 .3rem; }
.bar { background: #e5e7eb; width: 8rem; height: .8rem; }
.bar > div { background: #2563eb; height: 100%; }
.histograms { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; border: 1px solid #c9ced8; padding: .5rem; }
figcaption { font-size: .9em; margin-bottom: .3rem; }
pre.feedback { white-space: pre-wrap; margin: 0; font-size: .85em; }
details.staff { color: #7c2d12; font-size: .85em; }
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _e(text: object) -> str:
    """Escaped for HTML, with control characters shown as escapes (as on the terminal)."""
    return html_text(text)


def _number(value: float) -> str:
    return format(round(value, 2), "g")


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _ordered_exercises(batch: BatchResult, exercise_meta: Mapping[str, str]) -> list[str]:
    seen = exercise_ids(batch)
    return [ex for ex in exercise_meta if ex in seen] + [
        ex for ex in seen if ex not in exercise_meta
    ]


def _score_cell(
    result: ExerciseResult | None, grade: ExerciseGrade | None = None, staff: bool = False
) -> str:
    """The score that counts (after course policy and overrides), and under it, when that
    differs from the judge's, the raw score and why."""
    if result is None and grade is None:
        return '<td class="num none">–</td>'
    score = grade.score if grade is not None else result.score if result is not None else 0.0
    top = grade.max_score if grade is not None else result.max_score if result is not None else 0
    if score >= top > 0:
        kind = "full"
    else:
        kind = "part" if score > 0 else "zero"
    why = grade.describe(staff=staff) if grade is not None else ""
    note = f'<br><span class="small adjusted">{_e(why)}</span>' if why else ""
    return f'<td class="num {kind}">{_number(score)}/{_number(top)}{note}</td>'


def _student_row(position: int, sub: SubmissionResult, ids: Sequence[str], staff: bool) -> str:
    results = {ex.exercise: ex for ex in sub.exercises}
    name = f'<br><span class="small">{_e(sub.name)}</span>' if sub.name else ""
    cells = [f'<td><a href="#{anchor(position)}">{_e(sub.student)}</a>{name}</td>']
    cells += [_score_cell(results.get(ex), sub.grade(ex), staff) for ex in ids]
    cells.append(f'<td class="num"><b>{_number(sub.score)}</b>/{_number(sub.max_score)}</td>')
    cells.append(f'<td class="num raw">{_number(sub.raw_score)}</td>')
    cells.append(f'<td class="num">{_percent(sub.score, sub.max_score)}</td>')
    cells.append(f"<td>{'late' if sub.late else ''}</td>")
    cells.append(f'<td class="small">{"<br>".join(_e(note) for note in sub.notes)}</td>')
    return f"<tr>{''.join(cells)}</tr>"


def _grade_table(
    batch: BatchResult, ids: Sequence[str], meta: Mapping[str, str], staff: bool = False
) -> str:
    heads = "".join(
        f'<th>{_e(ex)}<br><span class="small">{_e(meta.get(ex, ""))}</span></th>' for ex in ids
    )
    rows = "\n".join(_student_row(i, sub, ids, staff) for i, sub in enumerate(batch.submissions))
    return (
        '<h2>Grades</h2>\n<p class="small">Scores after the course policy (late penalties) and '
        "staff overrides; <i>raw</i> is the judge's total before them.</p>\n"
        '<table id="grades">\n'
        f"<thead><tr><th>student</th>{heads}<th>total</th><th>raw</th><th>%</th><th>late</th>"
        f"<th>notes</th></tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"
    )


def _histogram_svg(counts: Sequence[int], label: str) -> str:
    width, height, base = 280, 150, 120
    slot = (width - 20) / len(counts)
    tallest = max(max(counts), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(label)}"><title>{_e(label)}</title>',
        f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#6b7280"/>',
    ]
    for points, count in enumerate(counts):
        bar = 100 * count / tallest
        x = 10 + points * slot
        parts.append(
            f'<rect class="hbar" x="{x + 2:.1f}" y="{base - bar:.1f}" width="{slot - 4:.1f}" '
            f'height="{bar:.1f}" fill="#2563eb"><title>{points} points: {count}</title></rect>'
            f'<text x="{x + slot / 2:.1f}" y="{base + 16}" font-size="11" '
            f'text-anchor="middle">{points}</text>'
        )
        if count:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{base - bar - 4:.1f}" font-size="11" '
                f'text-anchor="middle">{count}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _histograms(batch: BatchResult, ids: Sequence[str], meta: Mapping[str, str]) -> str:
    figures = []
    for ex in ids:
        counts = score_distribution(batch, ex)
        caption = f"{ex}: {meta[ex]}" if meta.get(ex) else ex
        figures.append(
            f"<figure><figcaption>{_e(caption)} (students per whole point)</figcaption>"
            f"{_histogram_svg(counts, f'score histogram of {ex}')}</figure>"
        )
    return f'<h2>Score distributions</h2>\n<div class="histograms">{"".join(figures)}</div>'


def _item_row(rank: int, item: ItemStat) -> str:
    verdicts = ", ".join(f"{count} {verdict}" for verdict, count in item.verdicts.items())
    hidden = ' <span class="badge">hidden</span>' if item.hidden else ""
    feedback = _e(item.common_feedback[:300])
    if item.common_feedback_count:
        feedback += f" <span class='small'>(×{item.common_feedback_count})</span>"
    rate = f"{100 * item.pass_rate:.0f}%"
    return (
        f"<tr><td class='num'>{rank}</td><td>{_e(item.exercise)}</td>"
        f"<td>{_e(item.check)}{hidden}<br><span class='small'>{_e(item.title)}</span></td>"
        f"<td class='num'>{item.passed}/{item.attempts}</td>"
        f"<td><div class='bar'><div style='width: {rate}'></div></div>{rate}</td>"
        f"<td class='small'>{_e(verdicts)}</td><td class='small'>{feedback}</td></tr>"
    )


def _items(batch: BatchResult) -> str:
    rows = "\n".join(
        _item_row(rank, item) for rank, item in enumerate(item_analysis(batch), start=1)
    )
    return (
        "<h2>Item analysis (lowest pass rate first)</h2>\n<table id='items'>\n<thead><tr>"
        "<th>#</th><th>exercise</th><th>check</th><th>passed</th><th>pass rate</th>"
        f"<th>verdicts</th><th>most common feedback</th></tr></thead>\n<tbody>\n{rows}\n"
        "</tbody>\n</table>"
    )


def _diagnoses(batch: BatchResult) -> str:
    stats = misconception_analysis(batch)
    heading = "<h2>Item analysis by misconception (most students first)</h2>\n"
    if not stats:
        return heading + "<p>No misconception was diagnosed.</p>"
    rows = "\n".join(
        f"<tr><td class='num'>{rank}</td>"
        f"<td>{_e(stat.title)}<br><span class='small'>{_e(stat.code)}</span></td>"
        f"<td class='num'>{stat.students}</td><td class='num'>{stat.occurrences}</td>"
        f"<td class='num'>{100 * stat.share:.0f}%</td>"
        f"<td class='small'>{_e(', '.join(stat.checks))}</td></tr>"
        for rank, stat in enumerate(stats, start=1)
    )
    return (
        heading + "<table id='diagnoses'>\n<thead><tr>"
        "<th>#</th><th>misconception</th><th>students</th><th>times seen</th>"
        "<th>of the students who took its exercises</th><th>checks</th>"
        f"</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"
    )


def _summary(batch: BatchResult) -> str:
    subs = batch.submissions
    scored = sum(sub.score for sub in subs)
    possible = sum(sub.max_score for sub in subs)
    late = sum(sub.late for sub in subs)
    warnings = "".join(f"<li>{_e(warning)}</li>" for warning in batch.warnings)
    degraded = degraded_isolation(batch)
    return (
        f"<p id='summary'>{len(subs)} students · class average {_percent(scored, possible)}"
        f" · {late} late</p>"
        + (f"<p id='degraded'><strong>{_e(degraded)}</strong></p>" if degraded else "")
        + (f"<ul class='small'>{warnings}</ul>" if warnings else "")
    )


def render_html(batch: BatchResult, exercise_meta: Mapping[str, str], staff: bool = False) -> str:
    """The whole report page; `exercise_meta` maps exercise id to title, in lecture order.
    With `staff`, each student's section also shows hidden checks' staff-only detail, marked."""
    ids = _ordered_exercises(batch, exercise_meta)
    body = "\n".join(
        [
            f"<h1>{_e(PAGE_TITLE)}</h1>",
            _summary(batch),
            _grade_table(batch, ids, exercise_meta, staff),
            _histograms(batch, ids, exercise_meta),
            _items(batch),
            _diagnoses(batch),
            student_sections(batch, staff),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        f"<title>{_e(PAGE_TITLE)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def write_html(
    batch: BatchResult, exercise_meta: Mapping[str, str], path: Path, staff: bool = False
) -> None:
    """Write `render_html` to `path` as UTF-8."""
    page = render_html(batch, exercise_meta, staff)
    path.write_text(page, encoding="utf-8", errors="replace")
