"""Scoring's handle on the sandbox (`SandboxedSubmission`) against forked stand-in sandboxes.

`run_exercise` grades a tiny course in tmp_path with an engine whose sandbox processes are a
stand-in for `grader.jail.serve.main`: a process forked from this test process (already warm,
so a sandbox costs milliseconds, no zygote) that speaks the real wire protocol over the real
`Sandbox` handle. It says it is ready with its layers and notes, executes the submission's
source on `import`, calls its functions on `call`, answers `probe` with what it was asked and
which process it is, and prints into the run folder's capture file as the jail does. Only the
isolation is missing (tests/test_sandbox.py and tests/test_scoring_sandboxes.py cover it with
real sandboxes). Everything judge-side is real: `SandboxedSubmission`, `Sandbox.launch`,
`request`, `_dead`, `output`, `close`, `Spares`.

What is pinned: which op each handle method asks and how the request is named in the
feedback, the call limit against what is left of the exercise's budget, a sandbox kept while it
lives and replaced once it died, an import failure told once for every check, the spare taken
and the next one started, the output kept across sandboxes and capped, the layers and notes.
Cheap enough to run first for every mutant of grader/judge/scoring.py (benchmarks/mutation.sh).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import stat
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from grader.jail.serve import JailConfig
from grader.judge.registry import Exercise, Registry
from grader.judge.sandbox import Engine
from grader.judge.scoring import Source, run_exercise
from grader.judge.spares import Spares
from grader.outputs.models import ExerciseResult, Limits
from grader.wire.messages import Failure, Ready, Request, Success

FORK = multiprocessing.get_context("fork")
LIMITS = Limits(import_s=10, call_s=10, total_s=30, cpu_s=30, memory_mb=2048, file_mb=1)
LAYERS = {"seccomp": True, "landlock": False}
NOTES = {"landlock": "not on this kernel"}
MARKER = "\n[... output truncated]"


def _serve(conn: Connection, config: JailConfig) -> None:
    """The stand-in sandbox: the jail's protocol without the jail."""
    os.setsid()  # its own process group, as the jail's: `kill` takes the group
    out = open(Path(config.run_dir) / "output.txt", "w", buffering=1)  # noqa: SIM115
    sys.stdout = sys.stderr = out
    conn.send_bytes(Ready(LAYERS, NOTES, os.getpid()).encode())
    module: dict[str, Any] = {"__name__": config.module_name}
    while True:
        try:
            request = Request.decode(conn.recv_bytes())
        except EOFError:
            return
        reply: Success | Failure
        try:
            if request.op == "import":
                exec(compile(request.source, config.filename, "exec"), module)  # noqa: S102
                value: Any = None
            elif request.op == "call":
                value = module[request.name](*request.args, **request.kwargs)
            else:
                if request.name == "exits":
                    os._exit(4)
                value = {"probe": request.name, "pid": os.getpid(), "device": config.device}
                value |= {"file": config.filename, "module": config.module_name}
                value["probes"] = config.probes_path or ""
            reply = Success(request.id, value)
        except NotImplementedError:
            reply = Failure(request.id, "not_attempted", f"{request.name} is not implemented")
        except Exception as exc:  # noqa: BLE001 - the student's exception is the reply
            reply = Failure(request.id, "error", f"{type(exc).__name__}: {exc}")
        out.flush()
        conn.send_bytes(reply.encode())


def _run(conn: Connection, config: JailConfig) -> None:
    try:
        _serve(conn, config)
    finally:
        os._exit(0)


class StandInEngine(Engine):
    """An engine whose sandbox processes are `_serve`, forked from this process."""

    def __init__(self) -> None:
        super().__init__("forkserver", disabled_layers=["cgroups"])
        self.context = FORK  # type: ignore[assignment]
        self.launched: list[multiprocessing.process.BaseProcess] = []

    def process(self, conn: Connection, config: JailConfig) -> multiprocessing.process.BaseProcess:
        proc = FORK.Process(target=_run, args=(conn, config), daemon=False)
        proc.start()
        self.launched.append(proc)
        return proc

    def all_gone(self) -> bool:
        return all(proc.exitcode is not None for proc in self.launched)


STUDENT = """
import os, sys, time
print("imported")

def add(x, y):
    return x + y

def pid():
    return os.getpid()

def boom():
    raise ValueError("boom")

def die():
    sys.stdout.flush()
    os._exit(3)

def sleep(seconds):
    time.sleep(seconds)
    return seconds

def stub():
    raise NotImplementedError
"""


def course(
    tmp_path: Path, checks: dict[str, str], hidden: dict[str, str] | None = None
) -> Exercise:
    """An exercise whose checks record what they saw in `sub.seen` (a list on the handle)."""
    folder = tmp_path / "exercises" / "exercise7"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'id = "exercise7"\ntitle = "adding"\norder = 7\nfunctions = ["add"]\n'
    )
    (folder / "exercise7.py").write_text("def add(x, y):\n    raise NotImplementedError\n")
    (folder / "probes.py").write_text("# the exercise's probes (the stand-in answers them)\n")

    def text(bodies: dict[str, str]) -> str:
        prelude = (
            "import time\n"
            "from grader.authoring.check import check, fail\n"
            "from grader.authoring.expect import expect_float\n"
            "SEEN = []\n"
        )
        for name, body in bodies.items():
            lines = "\n".join("    " + line for line in body.splitlines())
            prelude += f'\n@check(points=0, fact=True)\ndef {name}(sub):\n    """{name}."""\n'
            prelude += f"{lines}\n"
        return prelude

    (folder / "checks.py").write_text(text(checks))
    if hidden is not None:
        reference = tmp_path / "reference" / "exercise7"
        reference.mkdir(parents=True)
        (reference / "hidden_checks.py").write_text(text(hidden))
    return Registry(tmp_path).get("exercise7")


def grade(
    engine: Engine,
    exercise: Exercise,
    text: str = STUDENT,
    limits: Limits = LIMITS,
    spares: Spares | None = None,
) -> ExerciseResult:
    return run_exercise(
        engine, exercise, Source(text.encode(), "exercise7.py"), limits=limits, spares=spares
    )


def seen(exercise: Exercise) -> list[Any]:
    """What the checks put in their module's SEEN list."""
    return list(exercise.checks(True)[0].function.__globals__["SEEN"])


@pytest.fixture
def engine() -> Any:
    engine = StandInEngine()
    yield engine
    for proc in engine.launched:  # nothing a test left behind outlives it
        if proc.exitcode is None:
            proc.kill()
            proc.join(5)


def statuses(result: ExerciseResult) -> list[str]:
    return [c.status for c in result.checks]


# ---- what each request asks, and its name in the feedback ------------------------------------


def test_calls_and_probes_reach_the_sandbox_as_what_they_are(
    engine: StandInEngine, tmp_path: Path
) -> None:
    exercise = course(
        tmp_path,
        {
            "a": "SEEN.append(sub.sandbox)\nSEEN.append(sub.call('add', 1.5, y=2.0))",
            "b": "SEEN.append(sub.probe('shape', 3))\nSEEN.append(sub.sandbox.proc.pid)\n"
            "SEEN.append(sub.sandbox.run_dir)\nSEEN.append(sub.sandbox.run_dir.stat().st_mode)",
        },
    )
    result = grade(engine, exercise)
    assert statuses(result) == ["passed", "passed"]
    before, added, probed, pid, run_dir, mode = seen(exercise)
    assert before is None and added == 3.5  # no sandbox before the first request
    assert probed == {
        "probe": "shape",
        "pid": pid,
        "device": "cpu",
        "file": "exercise7.py",
        "module": "exercise7",
        "probes": str(tmp_path / "exercises" / "exercise7" / "probes.py"),
    }
    # the run folder names its judge, and only the judge may write there (the work folder is
    # the sandbox's)
    owner = f"grade-run-{os.stat('/proc/self/ns/pid').st_ino}-{os.getpid()}-"
    assert run_dir.name.startswith(owner) and run_dir.parent == Path(tempfile.gettempdir())
    assert stat.S_IMODE(mode) == 0o755 and not run_dir.exists()  # removed once closed
    assert len(engine.launched) == 1 and engine.all_gone()  # one sandbox, closed at the end
    assert (result.isolation.layers, result.isolation.notes) == (LAYERS, NOTES)
    assert result.isolation.engine == "forkserver" and result.output == "imported\n"


def test_the_checks_see_the_device_asked_for(engine: StandInEngine, tmp_path: Path) -> None:
    exercise = course(tmp_path, {"a": "SEEN.append(sub.device)\nSEEN.append(sub.probe('d'))"})
    result = run_exercise(
        engine, exercise, Source(STUDENT.encode(), "exercise7.py"), device="cpu", limits=LIMITS
    )
    assert statuses(result) == ["passed"]
    device, probed = seen(exercise)
    assert device == "cpu" and probed["device"] == "cpu"


def test_a_crash_names_the_call_the_probe_or_the_import(
    engine: StandInEngine, tmp_path: Path
) -> None:
    exercise = course(tmp_path, {"c": "sub.call('die')", "p": "sub.probe('exits')"})
    result = grade(engine, exercise)
    assert statuses(result) == ["crashed", "crashed"]
    assert result.checks[0].feedback == "the process exited (code 3) during calling die()"
    assert result.checks[1].feedback == "the process exited (code 4) during the probe exits"
    dies = course(tmp_path / "b", {"a": "sub.call('add', 1, 2)", "b": "sub.call('add', 1, 2)"})
    text = "import os\nos._exit(5)\n"
    found = grade(engine, dies, text)
    assert statuses(found) == ["crashed", "crashed"]
    for check in found.checks:
        assert check.feedback == (
            "importing exercise7.py failed: "
            "the process exited (code 5) during importing exercise7.py"
        )


# ---- the sandbox's life ------------------------------------------------------------------------


def test_a_sandbox_is_kept_while_it_lives_and_replaced_once_it_died(
    engine: StandInEngine, tmp_path: Path
) -> None:
    exercise = course(
        tmp_path,
        {
            "first": "SEEN.append(sub.call('pid'))",
            "raises": "sub.call('boom')",
            "same": "SEEN.append(sub.call('pid'))",
            "dies": "sub.call('die')",
            "after": "SEEN.append(sub.call('pid'))\nSEEN.append(sub.call('pid'))",
        },
    )
    result = grade(engine, exercise)
    assert statuses(result) == ["passed", "error", "passed", "crashed", "passed"]
    assert result.checks[1].feedback == "ValueError: boom"
    first, same, after, again = seen(exercise)
    # an exception leaves the sandbox alive and serving; a crash is replaced by one new sandbox
    assert first == same != after == again
    assert [p.pid for p in engine.launched] == [first, after] and engine.all_gone()
    # each sandbox imported the file once, and what each printed is kept
    assert result.output == "imported\nimported\n"


def test_an_import_failure_is_every_checks_verdict_from_one_sandbox(
    engine: StandInEngine, tmp_path: Path
) -> None:
    exercise = course(
        tmp_path,
        {"a": "sub.call('add', 1, 2)", "b": "sub.probe('shape')", "c": "sub.call('add', 1, 2)"},
    )
    text = "print('about to fail')\nraise ValueError('bad import')\n"
    result = grade(engine, exercise, text)
    assert statuses(result) == ["error", "error", "error"]
    for check in result.checks:
        assert check.feedback == "importing exercise7.py failed: ValueError: bad import"
    # told once: no second sandbox for the next checks, and the failed one is closed
    assert len(engine.launched) == 1 and engine.all_gone()
    assert result.output == "about to fail\n"
    assert (result.isolation.layers, result.isolation.notes) == (LAYERS, NOTES)


def test_a_stub_at_import_keeps_its_verdict(engine: StandInEngine, tmp_path: Path) -> None:
    exercise = course(tmp_path, {"a": "sub.call('add', 1, 2)"})
    result = grade(engine, exercise, "raise NotImplementedError\n")
    assert statuses(result) == ["not_attempted"]
    assert result.checks[0].feedback.startswith("importing exercise7.py failed: ")


def test_the_handle_has_no_sandbox_once_closed(engine: StandInEngine, tmp_path: Path) -> None:
    exercise = course(tmp_path, {"a": "sub.call('pid')\nSEEN.append(sub)"})
    grade(engine, exercise)
    (handle,) = seen(exercise)
    assert handle.sandbox is None and engine.all_gone()
    handle.close()  # closing twice is harmless
    assert handle.sandbox is None


# ---- time: the call limit against the exercise's budget -----------------------------------------


def test_a_call_is_stopped_at_call_s_when_the_budget_is_larger(
    engine: StandInEngine, tmp_path: Path
) -> None:
    exercise = course(tmp_path, {"slow": "sub.call('sleep', 5)", "next": "sub.call('add', 1, 2)"})
    limits = LIMITS.model_copy(update={"call_s": 0.5})
    started = time.monotonic()
    result = grade(engine, exercise, limits=limits)
    assert statuses(result) == ["timeout", "passed"]
    assert result.checks[0].feedback == "calling sleep() took longer than 0.5 s and was stopped"
    assert time.monotonic() - started < 4.5  # not the 5 s sleep


def test_a_call_is_stopped_where_the_budget_ends_when_that_is_before_call_s(
    engine: StandInEngine, tmp_path: Path
) -> None:
    exercise = course(tmp_path, {"slow": "sub.call('sleep', 5)"})
    limits = LIMITS.model_copy(update={"call_s": 20, "total_s": 2.0})
    started = time.monotonic()
    result = grade(engine, exercise, limits=limits)
    (slow,) = result.checks
    assert slow.status == "timeout"  # the 5 s sleep would end within call_s
    took = re.fullmatch(
        r"calling sleep\(\) took longer than (\d\.\d) s and was stopped", slow.feedback
    )
    assert took is not None and float(took.group(1)) <= 2.0, slow.feedback  # what was left
    assert time.monotonic() - started < 4.5


def test_a_request_with_under_a_second_left_is_served(
    engine: StandInEngine, tmp_path: Path
) -> None:
    # the check waits, judge-side, until 0.9 s of the budget is left, then asks
    wait = "time.sleep(max(0.0, sub._deadline - time.monotonic() - 0.9))"
    exercise = course(
        tmp_path, {"w": f"sub.call('add', 1, 2)\n{wait}\nSEEN.append(sub.call('add', 2, 2))"}
    )
    limits = LIMITS.model_copy(update={"total_s": 1.5})
    result = grade(engine, exercise, limits=limits)
    assert statuses(result) == ["passed"] and seen(exercise) == [4]


def test_a_spent_budget_starts_no_new_sandbox(engine: StandInEngine, tmp_path: Path) -> None:
    wait = "time.sleep(max(0.0, sub._deadline - time.monotonic() + 0.05))"
    exercise = course(
        tmp_path,
        {
            "a": "sub.call('die')",  # the sandbox is gone: the next one would be new
            "b": f"{wait}\nsub.call('add', 1, 2)",
            "c": "sub.probe('shape')",
        },
    )
    limits = LIMITS.model_copy(update={"total_s": 2.5})
    result = grade(engine, exercise, limits=limits)
    assert statuses(result) == ["crashed", "timeout", "timeout"]
    for check in result.checks[1:]:
        assert check.feedback == "the exercise's time budget (2.5 s) is used up"
    assert len(engine.launched) == 1 and engine.all_gone()


# ---- spares ------------------------------------------------------------------------------------


def test_a_spare_is_started_ahead_and_the_next_submission_runs_in_it(
    engine: StandInEngine, tmp_path: Path
) -> None:
    exercise = course(tmp_path, {"a": "SEEN.append(sub.call('pid'))"})
    spares = Spares()
    try:
        first = grade(engine, exercise, spares=spares)
        spare = spares.pending
        assert statuses(first) == ["passed"] and spare is not None and spare.alive
        assert len(engine.launched) == 2  # the first submission's sandbox and the spare
        second = grade(engine, exercise, spares=spares)
        assert statuses(second) == ["passed"]
        ran_in = seen(exercise)
        assert ran_in == [engine.launched[0].pid, spare.proc.pid]  # the second ran in the spare
        assert len(engine.launched) == 3 and spares.pending is not None  # and a new spare waits
        assert spares.pending.proc.pid == engine.launched[2].pid
        assert second.output == "imported\n" and second.isolation.layers == LAYERS
    finally:
        spares.close()
    assert engine.all_gone()


# ---- the output, across sandboxes ------------------------------------------------------------


CRASHES_TWICE = {
    "dies": "sub.call('die')",
    "again": "sub.call('die')",
    "last": "sub.call('add', 1, 2)",
}


def test_the_output_of_every_sandbox_is_kept_and_capped_for_the_exercise(
    engine: StandInEngine, tmp_path: Path
) -> None:
    text = STUDENT.replace('print("imported")', "print('B' * 699)")  # 700 bytes a sandbox
    limits = LIMITS.model_copy(update={"output_kb": 1})
    result = grade(engine, course(tmp_path, CRASHES_TWICE), text, limits)
    assert statuses(result) == ["crashed", "crashed", "passed"]
    assert len(engine.launched) == 3
    assert result.output == "B" * 699 + "\n" + "B" * 324 + MARKER
    # under the limit, every sandbox's output is kept whole
    whole = grade(engine, course(tmp_path / "b", CRASHES_TWICE), text)
    assert whole.output == ("B" * 699 + "\n") * 3


def test_output_of_exactly_the_limit_is_kept_without_a_marker(
    engine: StandInEngine, tmp_path: Path
) -> None:
    text = STUDENT.replace('print("imported")', "print('C' * 1023)")  # 1024 bytes
    limits = LIMITS.model_copy(update={"output_kb": 1})
    result = grade(engine, course(tmp_path, {"a": "sub.call('add', 1, 2)"}), text, limits)
    assert result.output == "C" * 1023 + "\n"


def test_output_dropped_after_exactly_the_limit_is_marked(
    engine: StandInEngine, tmp_path: Path
) -> None:
    """The first sandbox fills the limit exactly; what the next ones print is dropped, and the
    output says so (nothing is cut silently)."""
    text = STUDENT.replace('print("imported")', "print('F' * 1023)")  # 1024 bytes a sandbox
    limits = LIMITS.model_copy(update={"output_kb": 1})
    result = grade(engine, course(tmp_path, CRASHES_TWICE), text, limits)
    assert statuses(result) == ["crashed", "crashed", "passed"]
    assert result.output == "F" * 1023 + "\n" + MARKER
    # and what the submission has printed so far reads the same while a sandbox lives
    checks = {"dies": "sub.call('die')", "adds": "sub.call('add', 1, 2)"}
    exercise = course(tmp_path / "b", checks, {"h": "sub.call('add', 1, 2)"})
    hidden = grade(engine, exercise, text, limits)  # the second sandbox lives when "h" starts
    assert hidden.output == "F" * 1023 + "\n" + MARKER
    assert hidden.output_before_hidden == 1024 + len(MARKER)


def test_what_was_printed_before_the_first_hidden_check_is_measured_capped(
    engine: StandInEngine, tmp_path: Path
) -> None:
    text = STUDENT.replace('print("imported")', "print('D' * 1999)")  # 2000 bytes
    limits = LIMITS.model_copy(update={"output_kb": 1})
    exercise = course(tmp_path, {"a": "sub.call('add', 1, 2)"}, {"h": "sub.call('add', 1, 2)"})
    result = grade(engine, exercise, text, limits)
    assert statuses(result) == ["passed", "passed"]
    assert result.output == "D" * 1024 + MARKER
    assert result.output_before_hidden == 1024 + len(MARKER)
    # after a crash the next sandbox's output counts too, capped the same way
    exercise = course(tmp_path / "b", {"a": "sub.call('die')"}, {"h": "sub.call('add', 1, 2)"})
    small = STUDENT.replace('print("imported")', "print('E' * 599)")  # 600 bytes a sandbox
    after = grade(engine, exercise, small, limits)
    assert after.output == "E" * 599 + "\n" + "E" * 424 + MARKER
    assert after.output_before_hidden == 600  # the hidden check had not started the second


REWRITES = """
import sys
print("P" * 599)  # 600 bytes before any hidden check

def add(x, y):
    return x + y

def rewrite():
    sys.stdout.flush()
    sys.stdout.seek(0)
    sys.stdout.truncate()
    print("S" * 599)  # what a hidden check's input could be written as
    return 3
"""


def test_output_rewritten_under_a_hidden_check_keeps_what_was_read_before_it(
    engine: StandInEngine, tmp_path: Path
) -> None:
    from grader.judge.scoring import REWRITTEN_OUTPUT

    exercise = course(tmp_path, {"a": "sub.call('add', 1, 2)"}, {"h": "sub.call('rewrite')"})
    result = grade(engine, exercise, REWRITES)
    assert result.output == "P" * 599 + "\n" + REWRITTEN_OUTPUT + "S" * 599 + "\n"
    assert result.output_before_hidden == 600
    # the whole, with the note, is held to the exercise's output limit
    capped = grade(
        engine,
        course(tmp_path / "b", {"a": "sub.call('add', 1, 2)"}, {"h": "sub.call('rewrite')"}),
        REWRITES,
        LIMITS.model_copy(update={"output_kb": 1}),
    )
    whole = "P" * 599 + "\n" + REWRITTEN_OUTPUT + "S" * 599 + "\n"
    assert capped.output == whole[:1024] + MARKER


# ---- a cgroup the machine refuses -----------------------------------------------------------


def test_a_cgroup_the_machine_refuses_is_reported_as_a_missing_layer(
    engine: StandInEngine, tmp_path: Path
) -> None:
    from grader.jail.layers.cgroups import Hierarchy

    missing = tmp_path / "no-such-cgroup-folder"
    engine.cgroups = Hierarchy(version=2, parents=(("memory", missing),))
    result = grade(engine, course(tmp_path, {"a": "sub.call('add', 1, 2)"}))
    assert statuses(result) == ["passed"]  # graded, and told it ran without its cgroup
    assert result.isolation.layers == {**LAYERS, "cgroups": False}
    note = result.isolation.notes["cgroups"]
    assert note.startswith("the judge could not make a cgroup: ") and str(missing) in note
