"""Tests for the item analysis by misconception (grader.outputs.statistics) and its two
renderings: the terminal batch summary and the HTML report rank misconceptions by how many
students hold them, by name."""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from test_exports import chk, exercise, submission

from grader.authoring.diagnose import GRAPH_CUT, sign_flipped
from grader.outputs.html_report import render_html
from grader.outputs.models import BatchResult, Diagnosis
from grader.outputs.report import batch_summary
from grader.outputs.statistics import misconception_analysis, top_diagnoses

SIGN = sign_flipped(1.0, -1.0)
assert SIGN is not None
ZERO = Diagnosis(code="relu_grad_at_zero", title="relu'(0) was taken as 1", explanation="x")


def class_of_four() -> BatchResult:
    """Three students cut the graph once each; one flips a sign in four checks."""
    cut = GRAPH_CUT.model_copy(update={"evidence": ""})
    return BatchResult(
        submissions=[
            submission(
                "ann", [exercise("exercise5", [chk("autograd_total", "failed", diagnosis=cut)])]
            ),
            submission(
                "ben", [exercise("exercise5", [chk("autograd_total", "error", diagnosis=cut)])]
            ),
            submission(
                "cat",
                [
                    exercise("exercise1", [chk("grads", "failed", diagnosis=SIGN)] * 2),
                    exercise(
                        "exercise5",
                        [
                            chk("hidden_autograd", "failed", hidden=True, diagnosis=cut),
                            chk("upper", "failed", diagnosis=SIGN),
                            chk("lower", "failed", diagnosis=SIGN),
                        ],
                    ),
                ],
            ),
            submission(
                "dan",
                [
                    exercise("exercise1", [chk("grads", "passed")]),
                    exercise("exercise5", [chk("autograd_total", "passed")]),
                ],
            ),
        ]
    )


def test_misconceptions_rank_by_students_not_occurrences() -> None:
    stats = misconception_analysis(class_of_four())
    assert [(s.code, s.students, s.occurrences) for s in stats] == [
        ("graph_cut", 3, 3),
        ("sign_flipped", 1, 4),
    ]
    cut, sign = stats
    assert cut.title == GRAPH_CUT.title  # by name
    assert cut.share == 3 / 4  # all four took exercise5
    assert cut.checks == ("exercise5/autograd_total", "exercise5/hidden_autograd")
    assert sign.exercises == ("exercise1", "exercise5")
    assert sign.share == 1 / 4
    assert top_diagnoses(class_of_four(), n=1) == stats[:1]


def test_share_counts_only_students_who_took_the_exercise() -> None:
    batch = BatchResult(
        submissions=[
            submission("ann", [exercise("exercise1", [chk("grads", "failed", diagnosis=ZERO)])]),
            submission("ben", [exercise("exercise2", [chk("grads", "passed")])]),
        ]
    )
    (stat,) = misconception_analysis(batch)
    assert (stat.students, stat.share) == (1, 1.0)


def test_no_diagnosis_no_misconception() -> None:
    batch = BatchResult(
        submissions=[submission("ann", [exercise("exercise1", [chk("a", "failed")])])]
    )
    assert misconception_analysis(batch) == []
    assert "Misconceptions" not in render(batch_summary(batch, ["exercise1"]))


def render(renderable: object) -> str:
    out = StringIO()
    Console(file=out, width=160, color_system=None).print(renderable)
    return out.getvalue()


def test_terminal_summary_ranks_misconceptions_by_name() -> None:
    text = render(batch_summary(class_of_four(), ["exercise1", "exercise5"]))
    assert "Misconceptions, by how many students hold them" in text
    lines = text.splitlines()
    cut = next(i for i, line in enumerate(lines) if GRAPH_CUT.title[:30] in line)
    sign = next(i for i, line in enumerate(lines) if SIGN.title in line)
    assert cut < sign
    assert " 75% " in lines[cut] and " 3 " in lines[cut]


def test_html_ranks_misconceptions_by_name() -> None:
    html = render_html(class_of_four(), {"exercise1": "one", "exercise5": "five"})
    table = html[html.index("id='diagnoses'") :]
    table = table[: table.index("</table>")]
    assert "Item analysis by misconception" in html
    assert table.index("graph_cut") < table.index("sign_flipped")
    assert "<td class='num'>1</td><td>the graph was cut" in table
    assert "<td class='num'>3</td><td class='num'>3</td><td class='num'>75%</td>" in table
