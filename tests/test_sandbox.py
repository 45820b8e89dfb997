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


# ---- nothing of one sandbox reaches the next ------------------------------------------------
# Each test runs a writer submission, then a reader in a second sandbox started while the
# writer's is still alive, then a third reader after the writer's sandbox has ended: what the
# writer left must reach neither (the next student's sandbox, or a later one in the batch).


def hand_over(engine: Engine, writer: str, reader: str, *told: Any) -> tuple[Any, Any, Any]:
    """(what the writer did, what a reader saw while the writer lived, what one saw after).

    The readers are given `told` (what they may know, such as a key), or else what the writer
    returned."""
    with Sandbox(engine, LIMITS, "cpu", "writer.py", "writer") as first:
        first.request("import", 10, "importing", source=textwrap.dedent(writer))
        wrote = first.request("call", 5, "writing", name="write", args=(), kwargs={})
        seen_live = run(engine, reader, "read", *(told or (wrote,)))
    seen_after = run(engine, reader, "read", *(told or (wrote,)))
    return wrote, seen_live, seen_after


SYSV_WRITER = """
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    def write(key):
        shmid = libc.shmget(key, 4096, 0o1666)  # IPC_CREAT | 0666
        if shmid < 0:
            return ["shmget", ctypes.get_errno()]
        ctypes.memmove(libc.shmat(shmid, None, 0), b"expected=0.13585", 16)
        queue = libc.msgget(key, 0o1666)
        semaphores = libc.semget(key, 1, 0o1666)
        return ["created", shmid >= 0, queue >= 0, semaphores >= 0]
"""
SYSV_READER = """
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    def read(key):
        found = {}
        for name, call in (("shm", lambda: libc.shmget(key, 0, 0)),
                           ("msg", lambda: libc.msgget(key, 0)),
                           ("sem", lambda: libc.semget(key, 0, 0))):
            ident = call()
            found[name] = ctypes.get_errno() if ident < 0 else "FOUND"
            if name == "shm" and ident >= 0:
                found["data"] = ctypes.string_at(libc.shmat(ident, None, 0), 16).decode()
        return found
"""


def remove_host_ipc(key: int) -> list[str]:
    """Remove what `key` names in the host's IPC namespace; the kinds that were there."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    found = []
    for kind, get, remove in (
        ("shm", lambda: libc.shmget(key, 0, 0), lambda i: libc.shmctl(i, 0, None)),
        ("msg", lambda: libc.msgget(key, 0), lambda i: libc.msgctl(i, 0, None)),
        ("sem", lambda: libc.semget(key, 0, 0), lambda i: libc.semctl(i, 0, 0)),
    ):
        ident = get()
        if ident >= 0:
            found.append(kind)
            remove(ident)  # IPC_RMID: a failed run leaves nothing behind on the host
    return found


def test_sysv_ipc_of_one_sandbox_is_invisible_to_the_next(engine: Engine) -> None:
    import errno
    import secrets

    key = secrets.randbits(30) | 1  # fresh each run: nothing stale on the host can match
    writer = SYSV_WRITER.replace("def write(key):", f"def write(key={key}):")
    try:
        wrote, seen_live, seen_after = hand_over(engine, writer, SYSV_READER, key)
    finally:
        leaked = remove_host_ipc(key)
    assert wrote == ["created", True, True, True]  # the writer could write: the test can fail
    nothing = {"shm": errno.ENOENT, "msg": errno.ENOENT, "sem": errno.ENOENT}
    assert seen_live == nothing and seen_after == nothing
    assert leaked == [], "the writer's objects reached the host's IPC namespace"


ABSTRACT_WRITER = """
    import socket, uuid
    NAME = b"\\0grade-test-" + uuid.uuid4().hex.encode()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    def write():
        server.bind(NAME)
        server.setblocking(False)
        return NAME.hex()
    def received():
        try:
            return server.recv(64).decode()
        except BlockingIOError:
            return None
"""
ABSTRACT_READER = """
    import socket
    def read(name):
        client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            client.sendto(b"hidden inputs", bytes.fromhex(name))
            return "sent"
        except OSError as exc:
            return exc.errno
"""


def test_abstract_unix_sockets_do_not_cross_sandboxes(engine: Engine) -> None:
    """A datagram needs no connect (which seccomp refuses): the namespace and Landlock's scope
    must keep it from another sandbox's abstract socket."""
    with Sandbox(engine, LIMITS, "cpu", "writer.py", "writer") as first:
        first.request("import", 10, "importing", source=textwrap.dedent(ABSTRACT_WRITER))
        name = first.request("call", 5, "binding", name="write", args=(), kwargs={})
        sent = run(engine, ABSTRACT_READER, "read", name)
        got = first.request("call", 5, "receiving", name="received", args=(), kwargs={})
        own = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        with pytest.raises(OSError):  # nor from the host: the name lives in the sandbox's netns
            own.sendto(b"x", bytes.fromhex(name))
        own.close()
    assert isinstance(name, str) and name.startswith("00")  # it did bind
    assert sent != "sent" and got is None


DEV_SHM_WRITER = """
    import os, tempfile
    def write():
        done = {}
        for path in ("/dev/shm/grade-test-plant", "/tmp/grade-test-plant",
                     os.path.join(tempfile.gettempdir(), "plant")):
            try:
                with open(path, "w") as handle:
                    handle.write("expected=0.13585")
                done[path] = "written"
            except OSError as exc:
                done[path] = exc.errno
        try:
            from multiprocessing import shared_memory
            block = shared_memory.SharedMemory("grade-test-block", create=True, size=64)
            block.buf[:8] = b"expected"
            done["shared_memory"] = "created"
        except OSError as exc:
            done["shared_memory"] = exc.errno
        return done
"""
DEV_SHM_READER = """
    import os
    def read(wrote):
        seen = {}
        for path in [*[p for p in wrote if p.startswith("/")], "/dev/shm/grade-test-block"]:
            try:
                with open(path) as handle:
                    seen[path] = handle.read()
            except OSError as exc:
                seen[path] = exc.errno
        return {path: value for path, value in seen.items() if isinstance(value, str)}
"""


def test_dev_shm_and_tmp_files_do_not_cross_sandboxes(engine: Engine) -> None:
    wrote, seen_live, seen_after = hand_over(engine, DEV_SHM_WRITER, DEV_SHM_READER)
    private = [path for path in wrote if path.endswith("/plant")]
    assert private and wrote[private[0]] == "written"  # its own TMPDIR is writable
    assert seen_live == {} and seen_after == {}
    assert not os.path.exists("/dev/shm/grade-test-plant")
    assert not os.path.exists("/dev/shm/grade-test-block")
    assert not os.path.exists("/tmp/grade-test-plant") and not os.path.exists(private[0])


ZYGOTE_WRITER = """
    import sys, torch
    def write():
        torch.__dict__["_planted"] = "expected=0.13585"
        sys.modules["grader.jail.probing"].__dict__["_planted"] = "expected=0.13585"
        torch.Tensor.__add__ = lambda self, other: "forged"
        torch.manual_seed(1234)
        return (torch.ones(1) + torch.ones(1)) == "forged"
"""
ZYGOTE_READER = """
    import sys, torch
    def read(wrote):
        found = []
        if "_planted" in torch.__dict__:
            found.append("torch")
        if "_planted" in sys.modules["grader.jail.probing"].__dict__:
            found.append("probing")
        if (torch.ones(1) + torch.ones(1)).tolist() != [2.0]:
            found.append("Tensor.__add__")
        return found
"""


def test_the_zygotes_memory_is_not_shared_between_sandboxes(engine: Engine) -> None:
    """Every sandbox is a copy-on-write fork: module state and patched classes come back
    untouched in the next one, and the zygote holds no writable shared mapping (the one way
    memory written in one fork would show in another)."""
    import multiprocessing.forkserver

    wrote, seen_live, seen_after = hand_over(engine, ZYGOTE_WRITER, ZYGOTE_READER)
    assert wrote is True  # the writer's own sandbox was patched
    assert seen_live == [] and seen_after == []
    zygote = multiprocessing.forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    with open(f"/proc/{zygote}/maps") as maps:
        shared = [line for line in maps if line.split()[1][1] == "w" and line.split()[1][3] == "s"]
    assert shared == []


SEED_READER = """
    import torch
    def read(wrote=None):
        return torch.rand(3).tolist()
"""


def test_every_sandbox_starts_with_the_cpu_generator_seeded_0(engine: Engine) -> None:
    """Seeded in each sandbox before the submission: the writer's reseeding shows nowhere."""
    import torch

    expected = torch.rand(3, generator=torch.Generator().manual_seed(0)).tolist()
    _, seen_live, seen_after = hand_over(engine, ZYGOTE_WRITER, SEED_READER)
    assert seen_live == expected and seen_after == expected


UTS_WRITER = """
    import socket
    def write():
        try:
            socket.sethostname("pwned-by-a-student")
            changed = "changed"
        except OSError as exc:
            changed = exc.errno
        return [socket.gethostname(), changed]
"""
UTS_READER = """
    import socket
    def read(wrote):
        return socket.gethostname()
"""


def test_host_name_is_private_and_unchangeable(engine: Engine) -> None:
    host_name = socket.gethostname()
    wrote, seen_live, seen_after = hand_over(engine, UTS_WRITER, UTS_READER)
    assert wrote[0] == "sandbox" and wrote[1] != "changed"
    assert seen_live == seen_after == "sandbox"
    assert socket.gethostname() == host_name


# ---- the whole process tree is bounded (cgroups, where the machine has them) ----------------


def require_cgroups(engine: Engine) -> None:
    if engine.cgroups is None:
        from grader.judge.cgroups import why_none

        pytest.skip(f"no cgroups on this machine: {why_none()}")


FORKS_IN_NEW_SESSIONS = """
    import os, signal, time
    def f(count):
        made = 0
        for _ in range(count):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                os.setsid()
                signal.alarm(30)  # a bound of its own, should the sandbox fail to end it
                while True:
                    time.sleep(1)
            made += 1
        return made
"""


def test_children_in_new_sessions_share_one_task_budget(engine: Engine) -> None:
    require_cgroups(engine)
    limits = LIMITS.model_copy(update={"tasks": 40})
    with Sandbox(engine, limits, "cpu", "student.py", "student") as box:
        assert box.layers["cgroups"] and box.cgroup is not None
        box.request("import", 10, "importing", source=textwrap.dedent(FORKS_IN_NEW_SESSIONS))
        made = box.request("call", 10, "forking", name="f", args=(200,), kwargs={})
        assert len(box.cgroup.members()) >= made  # every child, in its own session, is counted
        folders = box.cgroup.paths
    assert isinstance(made, int) and 0 < made < 40
    deadline = time.monotonic() + 5  # removed in the background once its processes are gone
    while any(folder.exists() for folder in folders) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(folder.exists() for folder in folders), "the cgroup outlived its sandbox"


SPINS_IN_CHILDREN = """
    import os, time
    def f(children, seconds):
        started = time.monotonic()
        pids = []
        for _ in range(children):
            pid = os.fork()
            if pid == 0:
                os.setsid()
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    pass
                os._exit(0)
            pids.append(pid)
        for pid in pids:
            os.waitpid(pid, 0)
        times = os.times()
        return times.children_user + times.children_system, time.monotonic() - started
"""


def test_children_share_one_cpu_budget(engine: Engine) -> None:
    """Four spinning children in new sessions get half a core between them, not four cores'
    worth: the neighbours of a submission that forks keep theirs."""
    require_cgroups(engine)
    limits = LIMITS.model_copy(update={"cpus": 0.5, "call_s": 20})
    with Sandbox(engine, limits, "cpu", "student.py", "student") as box:
        box.request("import", 10, "importing", source=textwrap.dedent(SPINS_IN_CHILDREN))
        cpu, wall = box.request("call", 20, "spinning", name="f", args=(4, 1.5), kwargs={})
    assert wall >= 1.5 and cpu <= 0.5 * wall + 0.3, (cpu, wall)


ALLOCATES_IN_CHILDREN = """
    import os, select, signal, time
    def f(children, mb):
        read_end, write_end = os.pipe()
        pids = []
        for _ in range(children):
            pid = os.fork()
            if pid == 0:
                signal.alarm(30)
                block = b"\\x01" * (mb * 1024 * 1024)  # every page written
                os.write(write_end, os.getpid().to_bytes(4, "little"))
                time.sleep(30)
                os._exit(len(block) & 0)
            pids.append(pid)
        os.close(write_end)
        data, deadline = b"", time.monotonic() + 8
        while len(data) < 4 * children and time.monotonic() < deadline:
            if select.select([read_end], [], [], 0.2)[0]:
                chunk = os.read(read_end, 64)
                if not chunk:
                    break  # every child has ended
                data += chunk
        held = {int.from_bytes(data[i : i + 4], "little") for i in range(0, len(data), 4)}
        # those still alive hold their whole block now (the killed ones held it once)
        return sum(1 for pid in held if os.waitpid(pid, os.WNOHANG) == (0, 0))
"""


def test_memory_is_bounded_for_the_whole_tree(engine: Engine) -> None:
    """Eight children of 200 MB each, under a 1024 MB limit: each fits its own address-space
    limit, but together they do not, and at most five hold their memory at once."""
    require_cgroups(engine)
    limits = LIMITS.model_copy(update={"memory_mb": 1024, "call_s": 15})
    with Sandbox(engine, limits, "cpu", "student.py", "student") as box:
        box.request("import", 10, "importing", source=textwrap.dedent(ALLOCATES_IN_CHILDREN))
        try:
            held = box.request("call", 15, "allocating", name="f", args=(8, 200), kwargs={})
        except SandboxOutcome as found:  # the kernel may pick the parent for its OOM kill
            assert found.verdict == "memory", found.message
            return
    assert isinstance(held, int) and held <= 5


def test_cgroups_of_judges_that_are_gone_are_swept(engine: Engine) -> None:
    """A judge killed with SIGKILL leaves its cgroups behind; the next engine removes them."""
    require_cgroups(engine)
    from grader.judge.cgroups import SandboxCgroup, machine_hierarchy

    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)  # a judge that is gone
    assert engine.cgroups is not None
    left = SandboxCgroup.create(engine.cgroups, LIMITS)
    for folder in left.paths:
        folder.rename(folder.with_name(f"grade-{pid}-abandoned"))
    stale = [folder.with_name(f"grade-{pid}-abandoned") for folder in left.paths]
    mine = SandboxCgroup.create(engine.cgroups, LIMITS)  # a live judge's: kept
    try:
        assert all(folder.exists() for folder in stale)
        assert machine_hierarchy() is not None
        assert not any(folder.exists() for folder in stale)
        assert all(folder.exists() for folder in mine.paths)
    finally:
        mine.remove()
