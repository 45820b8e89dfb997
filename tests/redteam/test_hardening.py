"""Sandbox hardening the red team relies on, tested directly.

- A machine missing layers still grades, and the report says "degraded isolation" and names
  them (layers are switched off with GRADE_DISABLE_LAYERS / Engine(disabled_layers=...), as a
  machine without them would be).
- Without a PID namespace, what a submission leaves behind in its process group is still
  killed when the run ends (the degraded path: a process-group kill).
- With one, the namespace's tasks are capped, so a fork or thread bomb stops at a bound the
  sandbox sets, not at the host's PID table.
"""

from __future__ import annotations

import io
import re
import secrets
import textwrap
from pathlib import Path

import pytest
from hostile import grade, leftovers

from grader.judge.registry import Registry
from grader.judge.sandbox import DISABLE_LAYERS_ENV, Engine, EngineError, Sandbox
from grader.outputs.console import make_console
from grader.outputs.models import Limits
from grader.outputs.report import exercise_report

ROOT = Path(__file__).resolve().parents[2]
STUB = (ROOT / "exercises" / "exercise2" / "exercise2.py").read_text()


def test_disabled_layers_make_a_degraded_report(warm_engine: Engine, registry: Registry) -> None:
    degraded = Engine(disabled_layers=("pid_namespace", "seccomp"))
    result = grade(degraded, registry, "exercise2", STUB)
    assert result.score == 0 and {c.status for c in result.checks} == {"not_attempted"}
    # the private /proc needs the PID namespace: it is missing too, and says why
    missing = ["pid_namespace", "private_proc", "seccomp"]
    assert result.isolation.degraded and result.isolation.missing == missing
    assert "disabled" in result.isolation.notes["seccomp"]
    assert result.isolation.notes["private_proc"] == "needs pid_namespace"
    text = io.StringIO()
    make_console(file=text, width=120).print(exercise_report(result, "ReLU", "exercise2.py"))
    assert "degraded isolation: missing pid_namespace, private_proc, seccomp" in text.getvalue()
    full = grade(warm_engine, registry, "exercise2", STUB)
    assert not full.isolation.degraded, full.isolation.missing


def test_disabled_layers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE_LAYERS_ENV, " seccomp,landlock ,,")
    assert Engine().disabled_layers == ("landlock", "seccomp")
    assert Engine(disabled_layers=()).disabled_layers == ()
    monkeypatch.setenv(DISABLE_LAYERS_ENV, "landlock,sandboxing")
    with pytest.raises(EngineError, match="sandboxing"):
        Engine()


LEAVES_A_CHILD = STUB + textwrap.dedent(
    """

    import ctypes, os, signal, time

    def relu(x):
        if os.fork() == 0:
            ctypes.CDLL(None).prctl(15, b"{{MARK}}", 0, 0, 0)
            signal.alarm(30)  # a bound of its own, should the kill fail
            print("child up", flush=True)
            while True:
                time.sleep(1)
        time.sleep(0.3)
        return ReLU.apply(x)
    """
)


def test_degraded_path_kills_the_process_group(warm_engine: Engine, registry: Registry) -> None:
    mark = "rtg" + secrets.token_hex(6)
    degraded = Engine(disabled_layers=("pid_namespace",))
    result = grade(degraded, registry, "exercise2", LEAVES_A_CHILD.replace("{{MARK}}", mark))
    assert "pid_namespace" in result.isolation.missing
    assert "child up" in result.output
    assert {c.status for c in result.checks} == {"not_attempted"}
    assert not leftovers(mark), "a child outlived its sandbox (killed now)"


FILLS_THE_NAMESPACE = textwrap.dedent(
    """
    import errno, os, threading, time

    def bomb():
        threading.stack_size(64 * 1024)
        threads = 0
        while threads < 5000:
            try:
                threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
            except RuntimeError:
                break
            threads += 1
        try:
            pid = os.fork()
        except OSError as exc:
            return threads, errno.errorcode[exc.errno]
        if pid == 0:
            os._exit(0)
        return threads, "forked"
    """
)


def test_a_bomb_stops_at_the_namespace_task_cap(warm_engine: Engine) -> None:
    """Threads and processes share the namespace's PID numbers: once a thread bomb has taken
    them all, a fork fails too (a fork bomb meets the same cap; see cases/fork_bomb.py)."""
    limits = Limits(import_s=10, call_s=30, total_s=60, cpu_s=30, memory_mb=1 << 20)
    with Sandbox(warm_engine, limits, "cpu", "student.py", "student") as box:
        note = box.notes.get("private_proc", "")
        if not box.layers.get("private_proc") or "fewer than" not in note:
            pytest.skip(f"no task cap here: {note or 'no PID namespace'}")
        box.request("import", 10, "importing", source=FILLS_THE_NAMESPACE)
        threads, fork = box.request("call", 30, "calling bomb", name="bomb", args=(), kwargs={})
    cap = int(re.search(r"fewer than (\d+) tasks", note).group(1))  # type: ignore[union-attr]
    assert 100 < threads < cap and fork == "EAGAIN"
