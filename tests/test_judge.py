"""The judge: verdicts from real sandboxed runs of exercise2, and bad input handled cleanly."""

from __future__ import annotations

import pytest

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine, Sandbox
from grader.judge.scoring import HIDDEN_FEEDBACK, Source, run_exercise
from grader.judge.scoring import SandboxedSubmission as Submission
from grader.judge.spares import Spares


def grade(engine: Engine, registry: Registry, data: bytes, exercise: str = "exercise2"):
    return run_exercise(engine, registry.get(exercise), Source(data, f"{exercise}.py"))


def test_reference_earns_full_marks(engine: Engine, registry: Registry) -> None:
    exercise = registry.get("exercise2")
    assert exercise.solution is not None
    result = grade(engine, registry, exercise.solution.read_bytes())
    assert result.score == result.max_score > 0
    assert result.isolation.engine == "forkserver"


def test_stub_is_not_attempted_everywhere(engine: Engine, registry: Registry) -> None:
    result = grade(engine, registry, registry.get("exercise2").stub.read_bytes())
    assert result.score == 0 and {c.status for c in result.checks} == {"not_attempted"}


def test_wrong_gradient_at_zero_is_explained(engine: Engine, registry: Registry) -> None:
    mutant = registry.get("exercise2").reference_folder / "mutants" / "ge_mask.py"  # type: ignore[operator]
    result = grade(engine, registry, mutant.read_bytes())
    check = next(c for c in result.checks if c.name == "gradient_at_zero_is_zero")
    assert check.status == "failed" and check.diagnosis is not None
    assert "expected" in check.feedback


def test_hidden_feedback_reveals_no_values(engine: Engine, registry: Registry) -> None:
    mutant = registry.get("exercise2").reference_folder / "mutants" / "ge_mask.py"  # type: ignore[operator]
    result = grade(engine, registry, mutant.read_bytes())
    hidden = [c for c in result.checks if c.hidden and c.status != "passed"]
    assert hidden
    for check in hidden:
        assert "expected" not in check.feedback and "got" not in check.feedback
        assert "\n" not in check.feedback
        assert check.feedback == HIDDEN_FEEDBACK[check.status]  # a fixed line per verdict
        assert "expected" in check.staff_feedback  # the detail is kept, for staff only
        assert check.diagnosis is None or check.diagnosis.evidence == ""
    public = [c for c in result.checks if not c.hidden]
    assert all(c.staff_feedback == "" for c in public)


@pytest.mark.parametrize(
    ("data", "verdict", "words"),
    [
        (b"", "not_attempted", "empty"),
        (b"   \n\n", "not_attempted", "empty"),
        (b"\x7fELF\x02\x01\x00\x00binary", "invalid", "binary"),
        ("x = 'caf\u00e9'".encode("latin-1"), "invalid", "UTF-8"),
        (b"def relu(x:\n    return x\n", "error", "SyntaxError"),
        (b"import not_a_real_module_xyz\n", "error", "No module named"),
        (b"import torch\nx = 1\n", "error", "does not define `relu`"),
        (b"import torch\nrelu = 3\n", "error", "not callable"),
    ],
)
def test_bad_input_gets_a_verdict_and_a_clear_message(
    engine: Engine, registry: Registry, data: bytes, verdict: str, words: str
) -> None:
    result = grade(engine, registry, data)
    assert result.score == 0
    assert all(c.status == verdict for c in result.checks), [c.status for c in result.checks]
    public = [c for c in result.checks if not c.hidden]
    assert words in public[0].feedback


def test_wrong_signature_is_an_error(engine: Engine, registry: Registry) -> None:
    source = (
        b"import torch\nclass ReLU(torch.autograd.Function):\n    pass\ndef relu():\n    return 1\n"
    )
    result = grade(engine, registry, source)
    assert {c.status for c in result.checks} == {"error"}
    assert "TypeError" in result.checks[0].feedback


def test_printed_output_is_captured(engine: Engine, registry: Registry) -> None:
    exercise = registry.get("exercise2")
    assert exercise.solution is not None
    data = exercise.solution.read_bytes() + b"\nprint('hello from the student')\n"
    result = grade(engine, registry, data)
    assert "hello from the student" in result.output
    assert result.score == result.max_score


def test_a_spare_sandbox_is_started_ahead_and_taken_by_the_next_run(
    engine: Engine, registry: Registry
) -> None:
    exercise = registry.get("exercise2")
    assert exercise.solution is not None
    source = Source(exercise.solution.read_bytes(), "exercise2.py")
    spares = Spares()
    try:
        first = run_exercise(engine, exercise, source, spares=spares)
        spare = spares.pending
        assert spare is not None and spare.alive
        second = run_exercise(engine, exercise, source, spares=spares)
        assert not spare.alive  # it served the second run, which then closed it
        assert spares.pending is not None and spares.pending is not spare
    finally:
        spares.close()
    assert first.score == second.score == first.max_score
    assert second.isolation.layers == first.isolation.layers and all(
        first.isolation.layers.values()
    )


def test_a_spare_for_another_exercise_is_killed_not_used(
    engine: Engine, registry: Registry
) -> None:
    two, five = registry.get("exercise2"), registry.get("exercise5")
    assert two.solution is not None and five.solution is not None
    spares = Spares()
    try:
        run_exercise(engine, two, Source(two.solution.read_bytes(), "exercise2.py"), spares=spares)
        stale = spares.pending
        assert stale is not None
        result = run_exercise(
            engine, five, Source(five.solution.read_bytes(), "exercise5.py"), spares=spares
        )
        assert not stale.alive and result.score == result.max_score
        stale = spares.pending  # now a spare for exercise5
        limits = two.meta.limits
        other = Submission(engine, two, "def f(): return 1", "exercise2.py", "cpu", limits, spares)
        try:
            assert other.call("f") == 1
            assert stale is not None and other.sandbox is not stale and not stale.alive
        finally:
            other.close()
    finally:
        spares.close()


def test_a_spare_carries_nothing_from_the_previous_student(
    engine: Engine, registry: Registry
) -> None:
    exercise = registry.get("exercise2")
    limits = exercise.meta.limits
    seen = (
        "def seen():\n"
        "    import builtins, os\n"
        "    found = hasattr(builtins, 'PLANTED'), 'PLANTED' in os.environ\n"
        "    return sorted(os.listdir('.')), *found\n"
    )
    planter = (
        "import builtins, os\n"
        "open('planted.txt', 'w').write('x')\n"
        "builtins.PLANTED = True\n"
        "os.environ['PLANTED'] = '1'\n" + seen
    )
    looker = seen
    spares = Spares()
    try:
        first = Submission(engine, exercise, planter, "exercise2.py", "cpu", limits, spares)
        try:
            files, flag, env = first.call("seen")
            assert "planted.txt" in files and flag and env  # the plant worked in its own sandbox
        finally:
            first.close()
        spare = spares.pending
        second = Submission(engine, exercise, looker, "exercise2.py", "cpu", limits, spares)
        try:
            files, flag, env = second.call("seen")
            assert spare is not None and second.sandbox is spare  # it ran in the spare
        finally:
            second.close()
    finally:
        spares.close()
    assert "planted.txt" not in files and not flag and not env


def test_no_spare_is_started_for_a_gpu_run(engine: Engine, registry: Registry) -> None:
    spares = Spares()
    limits = registry.get("exercise2").meta.limits
    spares.start(Sandbox(engine, limits, "cuda", "exercise2.py", "exercise2"))
    assert spares.pending is None
