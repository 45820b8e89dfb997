"""Every wait on a sandbox ends at the deadline it was given: the timeout passed with the
request, not the exercise's call limit. An honest import slower than `call_s` but within
`import_s` keeps its points; a request given less time than `call_s` is stopped at its own
deadline. Real sandboxes, real sleeping submissions.
"""

from __future__ import annotations

import time

import pytest

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine, Sandbox, SandboxOutcome
from grader.judge.scoring import Source, run_exercise
from grader.outputs.models import Limits

LIMITS = Limits(import_s=12, call_s=1, total_s=60, cpu_s=30, memory_mb=2048, file_mb=1)
SLOW_IMPORT = "import time\ntime.sleep(2.5)\n"


@pytest.fixture(scope="module")
def warm(engine: Engine) -> Engine:
    """The engine with its zygote up (the first sandbox waits for torch to load, tens of
    seconds on a busy machine, and a graded run pays for that from its time budget)."""
    with Sandbox(engine, LIMITS, "cpu", "warm.py", "warm"):
        pass
    return engine


def test_an_import_slower_than_the_call_limit_but_within_its_own_is_served(
    engine: Engine,
) -> None:
    with Sandbox(engine, LIMITS, "cpu", "student.py", "student") as box:
        started = time.monotonic()
        box.request(
            "import", LIMITS.import_s, "importing", source=SLOW_IMPORT + "def f(): return 7"
        )
        assert time.monotonic() - started > LIMITS.call_s  # it really outlived the call limit
        assert box.request("call", LIMITS.call_s, "calling", name="f", args=(), kwargs={}) == 7


def test_a_request_is_stopped_at_its_own_timeout_when_that_is_shorter_than_call_s(
    engine: Engine,
) -> None:
    generous = LIMITS.model_copy(update={"call_s": 30.0})
    with Sandbox(engine, generous, "cpu", "student.py", "student") as box:
        box.request("import", 10, "importing", source="import time\ndef f(): time.sleep(8)")
        started = time.monotonic()
        with pytest.raises(SandboxOutcome) as caught:
            box.request("call", 1.0, "calling f()", name="f", args=(), kwargs={})
        elapsed = time.monotonic() - started
    assert caught.value.verdict == "timeout" and "calling f()" in caught.value.message
    assert 0.9 < elapsed < 4.0


def test_an_import_past_its_timeout_is_a_timeout(engine: Engine) -> None:
    with pytest.raises(SandboxOutcome) as caught:
        with Sandbox(engine, LIMITS, "cpu", "student.py", "student") as box:
            box.request("import", 1.0, "importing", source=SLOW_IMPORT + "def f(): return 7")
    assert caught.value.verdict == "timeout"


def test_a_graded_submission_with_a_slow_honest_import_earns_full_marks(
    warm: Engine, registry: Registry
) -> None:
    """Through the judge: the import gets `import_s`, each call `call_s`."""
    exercise = registry.get("exercise2")
    assert exercise.solution is not None
    data = exercise.solution.read_bytes() + b"\n" + SLOW_IMPORT.encode()
    limits = exercise.meta.limits.model_copy(update={"call_s": 2.0, "import_s": 15.0})
    result = run_exercise(warm, exercise, Source(data, "exercise2.py"), limits=limits)
    assert [c.status for c in result.checks if c.status != "passed"] == []
    assert result.score == result.max_score > 0


def test_a_graded_submission_whose_import_outlives_import_s_gets_timeout(
    warm: Engine, registry: Registry
) -> None:
    exercise = registry.get("exercise2")
    assert exercise.solution is not None
    data = exercise.solution.read_bytes() + b"\nimport time\ntime.sleep(30)\n"
    limits = exercise.meta.limits.model_copy(update={"call_s": 20.0, "import_s": 1.5})
    started = time.monotonic()
    result = run_exercise(warm, exercise, Source(data, "exercise2.py"), limits=limits)
    assert {c.status for c in result.checks} == {"timeout"} and result.score == 0
    assert time.monotonic() - started < 15  # not call_s, not the 30 s the import wanted
