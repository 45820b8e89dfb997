"""The sandbox, tested with real hostile code in real processes (no mocks)."""

from __future__ import annotations

import os
import socket
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from grader.judge.sandbox import Engine, Sandbox, SandboxOutcome
from grader.outputs.models import Limits

LIMITS = Limits(import_s=10, call_s=3, total_s=30, cpu_s=20, memory_mb=2048, output_kb=4, file_mb=1)
ROOT = Path(__file__).resolve().parent.parent


def run(
    engine: Engine, source: str, function: str = "f", *args: Any, limits: Limits = LIMITS
) -> Any:
    """Import `source` in a fresh sandbox and call `function(*args)` there."""
    with Sandbox(engine, limits, "cpu", "student.py", "student") as box:
        box.request("import", limits.import_s, "importing", source=textwrap.dedent(source))
        return box.request("call", limits.call_s, "calling", name=function, args=args, kwargs={})


def outcome(engine: Engine, source: str, *args: Any, limits: Limits = LIMITS) -> SandboxOutcome:
    with pytest.raises(SandboxOutcome) as caught:
        run(engine, source, "f", *args, limits=limits)
    return caught.value


def test_a_plain_call_returns_plain_data(engine: Engine) -> None:
    value = run(engine, "import torch\ndef f(x): return (x * 2, 'ok', 3.5)", "f", torch.ones(2))
    assert torch.equal(value[0], torch.full((2,), 2.0)) and value[1:] == ("ok", 3.5)


def test_student_exception_is_error_with_trace_of_their_file(engine: Engine) -> None:
    found = outcome(engine, "def helper():\n    raise ValueError('boom')\ndef f():\n    helper()\n")
    assert found.verdict == "error" and "ValueError: boom" in found.message
    assert 'student.py", line 2' in found.trace and "jail.py" not in found.trace


def test_not_implemented_is_not_attempted(engine: Engine) -> None:
    assert outcome(engine, "def f(): raise NotImplementedError('todo')").verdict == "not_attempted"


def test_missing_function_is_a_clear_error(engine: Engine) -> None:
    found = outcome(engine, "def g(): pass")
    assert found.verdict == "error" and "does not define `f`" in found.message


def test_infinite_loop_in_a_call_times_out_quickly(engine: Engine) -> None:
    with Sandbox(engine, LIMITS, "cpu", "student.py", "student") as box:
        box.request(
            "import", LIMITS.import_s, "importing", source="def f():\n    while True: pass\n"
        )
        started = time.monotonic()
        with pytest.raises(SandboxOutcome) as caught:
            box.request("call", LIMITS.call_s, "calling", name="f", args=(), kwargs={})
        elapsed = time.monotonic() - started
    assert caught.value.verdict == "timeout"
    assert LIMITS.call_s - 0.1 < elapsed < LIMITS.call_s + 2


def test_sleeping_and_pausing_time_out(engine: Engine) -> None:
    assert outcome(engine, "import time\ndef f(): time.sleep(60)").verdict == "timeout"
    assert outcome(engine, "import signal\ndef f(): signal.pause()").verdict == "timeout"


def test_infinite_loop_at_import_times_out(engine: Engine) -> None:
    limits = LIMITS.model_copy(update={"import_s": 2.0})
    with pytest.raises(SandboxOutcome) as caught:
        with Sandbox(engine, limits, "cpu", "student.py", "student") as box:
            box.request("import", limits.import_s, "importing", source="while True:\n    pass\n")
    assert caught.value.verdict == "timeout"


def test_memory_bomb_is_memory(engine: Engine) -> None:
    found = outcome(
        engine,
        "import torch\ndef f(): return torch.empty(4 * 1024**3, dtype=torch.uint8).fill_(1).sum()",
    )
    assert found.verdict == "memory"


def test_exit_at_import_and_in_call(engine: Engine) -> None:
    with pytest.raises(SandboxOutcome) as caught:
        run(engine, "import os\nos._exit(0)\ndef f(): return 1")
    assert caught.value.verdict == "crashed"
    assert outcome(engine, "import sys\ndef f(): sys.exit(0)").verdict == "error"


def test_killed_by_a_signal_is_crashed(engine: Engine) -> None:
    found = outcome(engine, "import ctypes\ndef f(): return ctypes.string_at(0)")
    assert found.verdict == "crashed" and "SIGSEGV" in found.message


def test_output_flood_is_capped_and_harmless(engine: Engine) -> None:
    source = "import sys\ndef f():\n    for _ in range(200000): print('x' * 100)\n    return 1\n"
    with Sandbox(engine, LIMITS, "cpu", "student.py", "student") as box:
        box.request("import", 10, "importing", source=source)
        try:
            box.request("call", 10, "calling", name="f", args=(), kwargs={})
        except SandboxOutcome as found:  # the file-size limit may stop the flood itself
            assert found.verdict in ("error", "crashed")
        text = box.output(LIMITS.output_kb * 1024)
    assert len(text) < LIMITS.output_kb * 1024 + 100 and text.endswith("[... output truncated]")


def test_network_is_blocked(engine: Engine) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    accepted: list[bool] = []
    thread = threading.Thread(target=lambda: accepted.append(bool(server.accept())), daemon=True)
    thread.start()
    source = f"""
        import socket
        def f():
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=1).close()
                return "connected"
            except OSError as exc:
                return "blocked"
    """
    try:
        assert run(engine, source) == "blocked"
        assert not accepted
    finally:
        server.close()


def test_dns_lookup_fails(engine: Engine) -> None:
    source = """
        import socket
        def f():
            try:
                socket.getaddrinfo("example.com", 80)
                return "resolved"
            except OSError:
                return "blocked"
    """
    assert run(engine, source) == "blocked"


def test_files_outside_the_sandbox_are_unreadable(engine: Engine) -> None:
    secret = ROOT / "reference" / "exercise2" / "solution.py"
    source = f"""
        def f():
            try:
                return open({str(secret)!r}).read()[:20]
            except OSError:
                return "denied"
    """
    assert run(engine, source) == "denied"


def test_files_outside_the_sandbox_are_unwritable(engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "planted.txt"
    source = f"""
        def f():
            try:
                open({str(target)!r}, "w").write("x")
                return "written"
            except OSError:
                return "denied"
    """
    assert run(engine, source) == "denied"
    assert not target.exists()


def test_private_folder_is_writable_and_removed(engine: Engine) -> None:
    source = """
        import os
        def f():
            open("scratch.txt", "w").write("hello")
            return os.getcwd()
    """
    folder = run(engine, source)
    assert isinstance(folder, str) and not os.path.exists(folder)


def test_environment_is_clean(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "hunter2")
    source = """
        import os
        def f():
            return sorted(os.environ)
    """
    assert "GRADER_SECRET_TOKEN" not in run(engine, source)


def test_unplain_return_value_is_invalid(engine: Engine) -> None:
    assert outcome(engine, "def f(): return object()").verdict == "invalid"


def test_spawn_engine_grades_the_same() -> None:
    spawn = Engine("spawn")
    assert run(spawn, "def f(x): return x + 1", "f", 41) == 42


CUDA_ZYGOTE_SCRIPT = """
import sys
from grader.outputs.models import Limits
from grader.judge.sandbox import PRELOAD, Engine, EngineError, Sandbox
engine = Engine("forkserver", preload=[*PRELOAD, "zygote_with_cuda"])
try:
    with Sandbox(engine, Limits(), "cpu", "student.py", "student"):
        pass
except EngineError as exc:
    print("refused:", exc)
    sys.exit(0)
print("forked anyway")
sys.exit(1)
"""


def test_engine_refuses_to_fork_after_cuda_initialisation() -> None:
    import subprocess
    import sys

    paths = [str(Path(__file__).parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", CUDA_ZYGOTE_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "refused:" in done.stdout and "CUDA" in done.stdout
    assert time.monotonic() - started < 60


def test_sandboxes_compute_with_one_thread(engine: Engine) -> None:
    # set before the zygote imports torch: a sandbox's thread pools are sized once, at load
    assert run(engine, "import torch, os\ndef f(): return torch.get_num_threads()") == 1


def test_a_launched_sandbox_serves_once_ready(engine: Engine) -> None:
    box = Sandbox(engine, LIMITS, "cpu", "student.py", "student").launch()
    try:
        assert box.alive
        box.wait_ready()
        assert box.layers.get("seccomp") is not None
        box.request("import", 10, "importing", source="def f(): return 7")
        assert box.request("call", 3, "calling", name="f", args=(), kwargs={}) == 7
    finally:
        box.close()
    assert not box.alive
