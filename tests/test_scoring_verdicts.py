"""Scoring's verdicts and arithmetic, decided on the data a check sees: what each way a check can
end earns, and how an exercise's result adds up.

Every way a check can end (returned, `fail()`, `assert`, InvalidAnswer, a SandboxOutcome of
every kind, a crash in check code, an engine failure) is raised by a real check file in a tiny
course in tmp_path and graded by `run_exercise`. The checks raise the outcomes themselves, as a
sandbox's reply would make `sub.call` raise them, so no sandbox is started: these tests are
cheap enough to run for every mutant of grader/judge/scoring.py (benchmarks/mutation.sh). The
end-to-end paths through real sandboxes are tests/test_judge.py and tests/test_scoring_budget.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

from grader.judge.notebook import HEADER
from grader.judge.registry import Exercise, Registry
from grader.judge.sandbox import Engine, EngineError
from grader.judge.scoring import (
    HIDDEN_FEEDBACK,
    NO_ANSWER,
    Source,
    judge_threads,
    require_assertions,
    run_exercise,
)
from grader.outputs.models import VERDICTS, ExerciseResult, Limits
from grader.wire.protocol import MAX_STRING

PRELUDE = """
from grader.authoring.check import InvalidAnswer, check, fail
from grader.authoring.expect import expect_float
from grader.judge.sandbox import EngineError, SandboxOutcome
from grader.outputs.models import Diagnosis

DIAGNOSIS = Diagnosis(
    code="sign_flipped", title="the sign is flipped", explanation="d/dx of -x is -1",
    slide="slide 12", evidence="x = 0.5",
)
"""
BACKWARD_TWICE = "RuntimeError: Trying to backward through the graph a second time (or ...)"


def check_source(body: str, name: str, points: float = 2) -> str:
    fact = ", fact=True" if points == 0 else ""
    lines = "\n".join("    " + line for line in body.splitlines())
    return f'\n@check(points={points}{fact})\ndef {name}(sub):\n    """{name}."""\n{lines}\n'


def course(
    tmp_path: Path,
    checks: dict[str, str],
    hidden: dict[str, str] | None = None,
    points: dict[str, float] | None = None,
) -> Exercise:
    points = points or {}
    folder = tmp_path / "exercises" / "exercise7"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'id = "exercise7"\ntitle = "doubling"\norder = 7\nfunctions = ["double"]\n'
    )
    (folder / "exercise7.py").write_text("def double(x):\n    raise NotImplementedError\n")
    text = "".join(check_source(b, n, points.get(n, 2)) for n, b in checks.items())
    (folder / "checks.py").write_text(PRELUDE + text)
    reference = tmp_path / "reference" / "exercise7"
    reference.mkdir(parents=True)
    (reference / "solution.py").write_text("def double(x):\n    return 2 * x\n")
    if hidden is not None:
        text = "".join(check_source(b, n, points.get(n, 3)) for n, b in hidden.items())
        (reference / "hidden_checks.py").write_text(PRELUDE + text)
    return Registry(tmp_path).get("exercise7")


ENGINE = Engine("forkserver")  # never started: no check here asks the sandbox anything
ANSWER = Source(b"def double(x):\n    return 2 * x\n", "exercise7.py")


def grade(exercise: Exercise, source: Source = ANSWER, **options: object) -> ExerciseResult:
    return run_exercise(ENGINE, exercise, source, **options)  # type: ignore[arg-type]


def one(tmp_path: Path, body: str, *, hidden: bool = False, points: float = 2) -> ExerciseResult:
    checks = {"only": body}
    if hidden:
        return grade(course(tmp_path, {}, checks, {"only": points}))
    return grade(course(tmp_path, checks, None, {"only": points}))


# ---- every way a check ends -----------------------------------------------------------------


def test_a_check_that_returns_after_a_decided_comparison_passes(tmp_path: Path) -> None:
    result = one(tmp_path, "expect_float(2.0, 2.0)")
    (only,) = result.checks
    assert (only.status, only.score, only.max_score, only.feedback) == ("passed", 2, 2, "")
    assert (only.staff_feedback, only.diagnosis, only.hidden) == ("", None, False)
    assert (result.score, result.max_score) == (2, 2)


def test_fail_is_failed_with_its_feedback_and_diagnosis(tmp_path: Path) -> None:
    result = one(tmp_path, "expect_float(1.0, 2.0)\n")
    (only,) = result.checks
    assert (only.status, only.score, only.max_score) == ("failed", 0, 2)
    assert only.feedback.startswith("the answer") or "expected" in only.feedback

    result = one(
        tmp_path / "b", 'fail("the sign is wrong", expected=1, got=-1, diagnosis=DIAGNOSIS)'
    )
    (only,) = result.checks
    assert (only.status, only.score) == ("failed", 0)
    assert only.feedback.splitlines()[:3] == ["the sign is wrong", "expected: 1", "got:      -1"]
    assert only.diagnosis is not None and only.diagnosis.code == "sign_flipped"
    assert only.diagnosis.explanation == "d/dx of -x is -1"  # public: shown whole
    assert only.diagnosis.evidence == "x = 0.5"


def test_an_assertion_is_failed_with_its_message_or_a_default(tmp_path: Path) -> None:
    (said,) = one(tmp_path / "a", 'assert False, "got 3, expected 6"').checks
    (silent,) = one(tmp_path / "b", "assert False").checks
    assert (said.status, said.feedback, said.score) == ("failed", "got 3, expected 6", 0)
    assert (silent.status, silent.feedback, silent.score) == ("failed", "the answer is wrong", 0)


def test_invalid_answer_is_invalid_with_its_message(tmp_path: Path) -> None:
    (only,) = one(
        tmp_path, 'raise InvalidAnswer("expected a tensor of shape (3,), got (1,)")'
    ).checks
    assert (only.status, only.score) == ("invalid", 0)
    assert only.feedback == "expected a tensor of shape (3,), got (1,)"


def test_any_other_exception_in_check_code_is_invalid_and_named(tmp_path: Path) -> None:
    (only,) = one(tmp_path / "a", 'raise KeyError("weights")').checks
    assert (only.status, only.score) == ("invalid", 0)
    assert only.feedback == "the answer could not be judged (KeyError: 'weights')"
    (long,) = one(tmp_path / "b", 'raise ValueError("v" * 2000)').checks
    assert long.status == "invalid"
    assert long.feedback == ("the answer could not be judged (ValueError: " + "v" * 2000)[:500]


def test_an_engine_error_is_not_a_verdict_it_stops_the_run(tmp_path: Path) -> None:
    exercise = course(tmp_path, {"only": 'raise EngineError("no zygote")'})
    with pytest.raises(EngineError, match="no zygote"):
        grade(exercise)


@pytest.mark.parametrize("verdict", [v for v in VERDICTS if v != "passed"])
def test_a_sandbox_outcome_earns_its_own_verdict_and_no_points(
    tmp_path: Path, verdict: str
) -> None:
    body = f'raise SandboxOutcome("{verdict}", "calling double() went {verdict}", "trace line")'
    (only,) = one(tmp_path, body).checks
    assert (only.status, only.score, only.max_score) == (verdict, 0, 2)
    assert only.feedback == f"calling double() went {verdict}\ntrace line"
    assert only.diagnosis is None


def test_a_sandbox_outcome_claiming_passed_is_invalid(tmp_path: Path) -> None:
    (only,) = one(tmp_path, 'raise SandboxOutcome("passed", "trust me")').checks
    assert (only.status, only.score) == ("invalid", 0)
    assert only.feedback == "trust me"
    assert NO_ANSWER == frozenset(VERDICTS) - {"passed"}


def test_an_error_outcome_names_the_misconception_its_text_points_to(tmp_path: Path) -> None:
    (error,) = one(tmp_path / "a", f'raise SandboxOutcome("error", "{BACKWARD_TWICE}")').checks
    assert error.status == "error"
    assert error.diagnosis is not None and error.diagnosis.code == "backward_twice"
    # the same text under another verdict is not the student's exception: nothing is named
    (crashed,) = one(tmp_path / "b", f'raise SandboxOutcome("crashed", "{BACKWARD_TWICE}")').checks
    assert crashed.status == "crashed" and crashed.diagnosis is None
    (plain,) = one(tmp_path / "c", 'raise SandboxOutcome("error", "ValueError: odd")').checks
    assert plain.status == "error" and plain.diagnosis is None


# ---- the evidence rule: points need a decided comparison ------------------------------------


def test_a_check_worth_points_that_passes_without_comparing_is_invalid(tmp_path: Path) -> None:
    (only,) = one(tmp_path, "pass").checks
    assert (only.status, only.score, only.max_score) == ("invalid", 0, 2)
    assert only.feedback == "this check could not be judged (an error in the course's check)"
    assert only.staff_feedback.startswith("authoring error: this check passed without comparing")


def test_a_fact_check_may_pass_without_comparing(tmp_path: Path) -> None:
    (only,) = one(tmp_path, "pass", points=0).checks
    assert (only.status, only.score, only.max_score, only.feedback) == ("passed", 0, 0, "")


def test_a_check_worth_points_that_fails_on_a_fact_alone_is_invalid(tmp_path: Path) -> None:
    body = (
        "from grader.authoring.evidence import count\n"
        'if count({"backwards": 2}, "backwards") != 1:\n'
        '    fail("backward() was called twice")'
    )
    (only,) = one(tmp_path, body).checks
    assert (only.status, only.score, only.max_score) == ("invalid", 0, 2)
    assert only.feedback == "this check could not be judged (an error in the course's check)"
    problem, feedback = only.staff_feedback.split("\n", 1)
    assert problem.startswith("authoring error: this check failed on a sandbox-reported fact")
    assert feedback == "backward() was called twice"  # what the check said, kept for staff
    # the same check declared a fact check fails with its own feedback
    (fact,) = one(tmp_path / "b", body, points=0).checks
    assert (fact.status, fact.feedback, fact.staff_feedback) == (
        "failed",
        "backward() was called twice",
        "",
    )


def test_a_failure_decided_by_a_comparison_may_read_facts_after_it(tmp_path: Path) -> None:
    body = (
        "from grader.authoring.evidence import count\n"
        "from grader.authoring.expect import within\n"
        "if not within(1.0, 2.0):\n"
        '    count({"backwards": 2}, "backwards")\n'
        '    fail("wrong value")'
    )
    (only,) = one(tmp_path, body).checks
    assert (only.status, only.feedback, only.staff_feedback) == ("failed", "wrong value", "")


def test_the_evidence_rule_leaves_other_verdicts_alone(tmp_path: Path) -> None:
    (only,) = one(tmp_path, 'raise SandboxOutcome("timeout", "too slow")').checks
    assert (only.status, only.feedback, only.staff_feedback) == ("timeout", "too slow", "")


# ---- hidden checks ---------------------------------------------------------------------------


@pytest.mark.parametrize("verdict", [v for v in VERDICTS if v != "passed"])
def test_a_hidden_outcome_shows_its_fixed_sentence_and_keeps_the_text_for_staff(
    tmp_path: Path, verdict: str
) -> None:
    body = f'raise SandboxOutcome("{verdict}", "expected 0.13585 for x=[1, 2]")'
    (only,) = one(tmp_path, body, hidden=True).checks
    assert only.hidden and only.status == verdict and only.score == 0
    assert only.feedback == HIDDEN_FEEDBACK[verdict] != ""
    assert "0.13585" not in only.feedback
    assert only.staff_feedback == "expected 0.13585 for x=[1, 2]"


def test_every_hidden_sentence_is_fixed_and_distinct() -> None:
    assert set(HIDDEN_FEEDBACK) == set(VERDICTS) and HIDDEN_FEEDBACK["passed"] == ""
    sentences = [HIDDEN_FEEDBACK[v] for v in VERDICTS if v != "passed"]
    assert len(set(sentences)) == len(sentences) and all("hidden" in s or s for s in sentences)
    assert HIDDEN_FEEDBACK["failed"] == "wrong answer on this hidden check's inputs"
    assert HIDDEN_FEEDBACK["error"] == "your code raised an exception on this hidden check's inputs"
    assert HIDDEN_FEEDBACK["not_attempted"] == "not attempted yet"
    assert HIDDEN_FEEDBACK["timeout"] == "a time limit was hit during this hidden check"
    assert HIDDEN_FEEDBACK["memory"] == "the memory limit was hit during this hidden check"
    assert HIDDEN_FEEDBACK["crashed"] == (
        "your code crashed (killed or exited) during this hidden check"
    )
    assert HIDDEN_FEEDBACK["invalid"] == (
        "the answer to this hidden check was not of the required form"
    )


def test_a_hidden_pass_earns_its_points_with_nothing_to_hide(tmp_path: Path) -> None:
    (only,) = one(tmp_path, "expect_float(2.0, 2.0)", hidden=True, points=3).checks
    assert (only.status, only.score, only.max_score, only.hidden) == ("passed", 3, 3, True)
    assert (only.feedback, only.staff_feedback) == ("", "")


def test_a_hidden_failure_names_its_misconception_without_the_evidence(tmp_path: Path) -> None:
    body = 'fail("wrong for x=0.5", diagnosis=DIAGNOSIS)'
    (only,) = one(tmp_path, body, hidden=True).checks
    assert only.status == "failed" and only.feedback == HIDDEN_FEEDBACK["failed"]
    assert only.diagnosis is not None
    assert (only.diagnosis.code, only.diagnosis.title, only.diagnosis.slide) == (
        "sign_flipped",
        "the sign is flipped",
        "slide 12",
    )
    assert (only.diagnosis.explanation, only.diagnosis.evidence) == ("", "")
    assert only.staff_feedback.startswith("wrong for x=0.5")


def test_an_invalid_hidden_authoring_error_is_hidden_too(tmp_path: Path) -> None:
    (only,) = one(tmp_path, "pass", hidden=True).checks
    assert only.status == "invalid" and only.feedback == HIDDEN_FEEDBACK["invalid"]
    assert "authoring error" in only.staff_feedback


def test_output_before_hidden_is_recorded_only_when_a_hidden_check_runs(tmp_path: Path) -> None:
    public = grade(course(tmp_path / "a", {"p": "expect_float(1.0, 1.0)"}))
    assert public.output_before_hidden is None
    both = grade(course(tmp_path / "b", {"p": "expect_float(1.0, 1.0)"}, {"h": "pass"}))
    assert both.output_before_hidden == 0  # nothing printed, no sandbox asked


def test_without_hidden_checks_the_pending_ones_are_counted_not_run(tmp_path: Path) -> None:
    hidden = {"h1": 'raise KeyError("never run")', "h2": "pass"}
    exercise = course(tmp_path, {"p": "expect_float(1.0, 1.0)"}, hidden, {"h1": 3, "h2": 1.5})
    handout = grade(exercise, include_hidden=False)
    assert [c.name for c in handout.checks] == ["p"]
    assert (handout.score, handout.max_score) == (2, 2)
    assert (handout.hidden_pending, handout.hidden_pending_points) == (2, 4.5)
    assert handout.output_before_hidden is None
    staff = grade(exercise)
    assert [c.name for c in staff.checks] == ["p", "h1", "h2"]
    assert (staff.hidden_pending, staff.hidden_pending_points) == (0, 0)
    assert (staff.score, staff.max_score) == (2, 6.5)


# ---- the exercise's totals -------------------------------------------------------------------


def test_the_score_is_the_sum_of_passed_checks_and_the_maximum_of_all(tmp_path: Path) -> None:
    checks = {
        "a": "expect_float(1.0, 1.0)",
        "b": 'raise SandboxOutcome("error", "no")',
        "c": "expect_float(3.0, 3.0)",
        "d": "expect_float(1.0, 5.0)",
    }
    result = grade(course(tmp_path, checks, None, {"a": 1.5, "b": 2, "c": 4, "d": 0.5}))
    assert [c.status for c in result.checks] == ["passed", "error", "passed", "failed"]
    assert [c.score for c in result.checks] == [1.5, 0, 4, 0]
    assert (result.score, result.max_score) == (5.5, 8)
    assert result.exercise == "exercise7" and result.device == "cpu"
    assert result.isolation.engine == "forkserver"
    assert 0 <= result.elapsed_s < 60 and result.output == ""


def test_elapsed_time_is_measured_from_the_start(tmp_path: Path) -> None:
    slow = "import time\ntime.sleep(0.3)\nexpect_float(1.0, 1.0)"
    result = grade(course(tmp_path, {"s": slow}))
    assert 0.3 <= result.elapsed_s < 30


def test_the_device_is_recorded(tmp_path: Path) -> None:
    result = grade(course(tmp_path, {"s": "expect_float(1.0, 1.0)"}), device="cuda:0")
    assert result.device == "cuda:0" and result.checks[0].status == "passed"


# ---- stopping after timeouts ----------------------------------------------------------------

TIMEOUT = 'raise SandboxOutcome("timeout", "calling double() took longer than 1.0 s")'
CHECKS_WITH_TIMEOUTS = {
    "t1": TIMEOUT,
    "f1": "expect_float(1.0, 2.0)",
    "t2": TIMEOUT,
    "p1": "expect_float(1.0, 1.0)",
    "t3": TIMEOUT,
    "p2": "expect_float(1.0, 1.0)",
}


def test_without_a_stop_every_check_runs(tmp_path: Path) -> None:
    result = grade(course(tmp_path, CHECKS_WITH_TIMEOUTS))
    statuses = [c.status for c in result.checks]
    assert statuses == ["timeout", "failed", "timeout", "passed", "timeout", "passed"]
    assert result.score == 4


def test_after_one_timeout_the_rest_are_not_run(tmp_path: Path) -> None:
    result = grade(course(tmp_path, CHECKS_WITH_TIMEOUTS), stop_after_timeouts=1)
    assert [c.status for c in result.checks] == ["timeout"] * 6 and result.score == 0
    assert "took longer" in result.checks[0].feedback
    for skipped in result.checks[1:]:
        assert skipped.feedback == ("not run: an earlier check of this submission hit a time limit")


def test_failures_do_not_count_towards_the_stop(tmp_path: Path) -> None:
    result = grade(course(tmp_path, CHECKS_WITH_TIMEOUTS), stop_after_timeouts=2)
    statuses = [c.status for c in result.checks]
    assert statuses == ["timeout", "failed", "timeout", "timeout", "timeout", "timeout"]
    assert result.checks[2].feedback.endswith("took longer than 1.0 s")
    assert result.checks[3].feedback == (
        "not run: 2 earlier checks of this submission hit a time limit"
    )


def test_a_stop_that_is_never_reached_changes_nothing(tmp_path: Path) -> None:
    result = grade(course(tmp_path, CHECKS_WITH_TIMEOUTS), stop_after_timeouts=4)
    statuses = [c.status for c in result.checks]
    assert statuses == ["timeout", "failed", "timeout", "passed", "timeout", "passed"]
    # three timeouts reach a stop of 3: the check after the third is not run
    third = grade(course(tmp_path / "b", CHECKS_WITH_TIMEOUTS), stop_after_timeouts=3)
    assert [c.status for c in third.checks][4:] == ["timeout", "timeout"]
    assert (
        third.checks[5].feedback == "not run: 3 earlier checks of this submission hit a time limit"
    )


def test_a_skipped_hidden_check_shows_the_hidden_sentence(tmp_path: Path) -> None:
    exercise = course(tmp_path, {"t": TIMEOUT}, {"h": "expect_float(1.0, 1.0)"})
    result = grade(exercise, stop_after_timeouts=1)
    hidden = result.checks[1]
    assert hidden.status == "timeout" and hidden.feedback == HIDDEN_FEEDBACK["timeout"]
    assert hidden.staff_feedback.startswith("not run: an earlier check")


# ---- the source, before any sandbox ----------------------------------------------------------


def test_a_binary_file_is_invalid_on_every_check(tmp_path: Path) -> None:
    exercise = course(tmp_path, {"a": "expect_float(1.0, 1.0)"}, {"h": "pass"})
    result = grade(exercise, Source(b"def double(x):\x00", "exercise7.py"))
    assert [c.status for c in result.checks] == ["invalid", "invalid"]
    assert result.checks[0].feedback == "exercise7.py is a binary file, not Python source"
    assert result.checks[1].feedback == HIDDEN_FEEDBACK["invalid"]
    assert (result.score, result.max_score) == (0, 5)
    assert result.isolation.engine is None or result.isolation.layers == {}


def test_a_file_larger_than_the_wire_carries_is_invalid(tmp_path: Path) -> None:
    exercise = course(tmp_path, {"a": "expect_float(1.0, 1.0)"})
    big = grade(exercise, Source(b"#" * (MAX_STRING + 1), "exercise7.py"))
    (only,) = big.checks
    most = f"{MAX_STRING / 2**20:g} MiB"
    assert only.status == "invalid"
    assert only.feedback == f"exercise7.py is 1.0 MiB; a submission may be {most} at most"
    huge = grade(exercise, Source(b"#" * (3 * 2**20 + 2**19), "exercise7.py"))
    assert huge.checks[0].feedback.startswith("exercise7.py is 3.5 MiB;")
    # exactly the limit is received (and graded: here a comment, so every check runs)
    edge = grade(exercise, Source(b"#" * MAX_STRING, "exercise7.py"))
    assert edge.checks[0].status == "passed"


def test_a_file_that_is_not_utf8_is_invalid_and_says_where(tmp_path: Path) -> None:
    exercise = course(tmp_path, {"a": "expect_float(1.0, 1.0)"})
    result = grade(exercise, Source(b"x = 1\n# caf\xe9\n", "exercise7.py"))
    (only,) = result.checks
    assert only.status == "invalid"
    assert only.feedback == "exercise7.py is not UTF-8 text (byte 11); save it as UTF-8"


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    exercise = course(tmp_path, {"a": "expect_float(1.0, 1.0)"})
    result = grade(exercise, Source(b"\xef\xbb\xbfdef double(x):\n    return 2 * x\n", "e.py"))
    assert result.checks[0].status == "passed"


@pytest.mark.parametrize("data", [b"", b"   \n\t\n", b"\xef\xbb\xbf\n"])
def test_an_empty_file_is_not_attempted(tmp_path: Path, data: bytes) -> None:
    exercise = course(tmp_path, {"a": "expect_float(1.0, 1.0)", "b": "pass"}, {"h": "pass"})
    result = grade(exercise, Source(data, "exercise7.py"))
    assert [c.status for c in result.checks] == ["not_attempted"] * 3
    assert result.checks[0].feedback == "exercise7.py is empty"
    assert result.checks[2].feedback == HIDDEN_FEEDBACK["not_attempted"]
    assert (result.score, result.max_score, result.output) == (0, 7, "")
    assert result.output_before_hidden is None


def test_a_notebooks_tracebacks_name_cells_not_joined_lines(tmp_path: Path) -> None:
    code = f"{HEADER}\n# cell 1\nx = 1\n# cell 2\ndef double(x):\n    return 2 * x\n"
    body = 'raise SandboxOutcome("error", \'File "exercise7.py", line 6, in double\')'
    result = grade(course(tmp_path, {"a": body}), Source(code.encode(), "exercise7.py"))
    assert result.checks[0].feedback == 'File "exercise7.py", cell 2, line 2, in double'
    plain = grade(course(tmp_path / "b", {"a": body}))  # not a notebook: left as it is
    assert plain.checks[0].feedback == 'File "exercise7.py", line 6, in double'


# ---- the time budget -------------------------------------------------------------------------


def test_a_call_after_the_budget_is_spent_is_a_timeout_without_a_sandbox(tmp_path: Path) -> None:
    body = 'import time\ntime.sleep(0.3)\nexpect_float(sub.call("double", 1.0), 2.0)'
    exercise = course(tmp_path, {"late": body, "later": 'sub.probe("anything")'})
    limits = Limits(import_s=5, call_s=5, total_s=0.2)
    started = time.monotonic()
    result = grade(exercise, limits=limits)
    assert [c.status for c in result.checks] == ["timeout", "timeout"]
    assert result.checks[0].feedback == "the exercise's time budget (0.2 s) is used up"
    assert result.checks[1].feedback == "the exercise's time budget (0.2 s) is used up"
    assert result.isolation.layers == {} and result.score == 0
    assert time.monotonic() - started < 10  # no sandbox was started for a spent budget


# ---- the judge process -----------------------------------------------------------------------


def test_the_judge_computes_with_one_thread() -> None:
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(3)
        judge_threads()
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_the_judge_runs_with_assertions() -> None:
    # this interpreter keeps assertions: no error (the refusal under -O, which needs a fresh
    # interpreter, is tests/test_fail_closed.py's)
    require_assertions()


def test_output_is_capped_with_a_marker_only_past_the_limit() -> None:
    from grader.judge.scoring import _capped

    assert _capped("abcd", 4) == "abcd"
    assert _capped("abcde", 4) == "abcd\n[... output truncated]"
    assert _capped("", 0) == ""
