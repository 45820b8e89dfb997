"""A pre-loaded pytest for mutation runs: a warm interpreter forked per mutant, none started.

Most of a mutant's cost on a busy machine is a fresh interpreter importing torch, pytest,
hypothesis and pydantic before a single test runs (about 4 s of an 8-12 s mutant here). mutmut 2
starts its runner command once per mutant; this module is that command's cheap half:

    python benchmarks/mutation_server.py serve SOCKET [MODULE...]   # once per module
    python benchmarks/mutation_server.py run SOCKET -- PYTEST_ARGS...   # mutmut's --runner

`serve` imports the third-party libraries the tests use (PRELOAD, and every library module that
importing the grader MODULEs loads, listed by a throw-away interpreter), never `grader` itself:
the mutant is a file on disk that each run must import afresh, and `serve` refuses to start if
a preload pulled `grader` in. Each `run` makes it fork: the child starts a new session, changes
to the caller's folder and runs `pytest.main(PYTEST_ARGS)`; its exit status is `run`'s. When
`run` is killed (mutmut's timeout), the server sees its connection close and kills the child's
process group. When no server answers, `run` becomes a plain `python -m pytest PYTEST_ARGS`
(slower, same verdict): a missing server never counts a mutant as killed. Forking a process
that imported torch and computed nothing is what the grader's own zygote does.

    python benchmarks/mutation_server.py plain -- PYTEST_ARGS...    # no server at all

The verdict is the exit status `run` and `plain` give mutmut: 0 when pytest exits 0, else 1.
mutmut 2 counts a mutant as killed only when its runner exits 1 (`tests_pass` is
`returncode != 1`), so pytest's 2 (a collection error: a mutant such as `SESSION = None` that
breaks importing the tests), 3 (an internal error), 5 (no tests ran) and a pytest killed by a
signal were all reported as survivors. The baseline must exit 0 (mutmut refuses to start
otherwise), so any other status is the mutant's doing. When the server's child fails before
pytest starts (status 70: the harness, not the mutant), `run` runs the tests itself.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys

# what the tests' first calls import lazily counts too: torch.testing.assert_close's first call
# pulls in sympy and torch's symbolic shapes (5 s of a 7 s test file here)
PRELOAD = (
    "torch",
    "torch.testing",
    "torch.fx.experimental.symbolic_shapes",
    "torch.distributed._functional_collectives",
    "torch.distributed.tensor",
    "sympy",
    "numpy",
    "safetensors.torch",
    "multiprocessing.forkserver",
    "sqlite3",
    "pytest",
    "_pytest.python",
    "hypothesis",
    "pydantic",
    "rich.console",
    "typer",
)


HARNESS = 70  # the server's child failed before pytest ran: no verdict

OWN = ("grader", "exercises", "reference", "tests", "benchmarks", "__main__")


def serve(path: str, like: list[str]) -> None:
    """Preload PRELOAD and every library module that importing `like` (grader modules) loads."""
    import importlib
    import subprocess

    names = list(PRELOAD)
    if like:
        listing = (
            "import importlib, sys\n"
            f"for name in {like!r}: importlib.import_module(name)\n"
            "print('\\n'.join(sys.modules))\n"
        )
        loaded = subprocess.run(
            [sys.executable, "-c", listing], capture_output=True, text=True, check=True
        ).stdout.split()
        names += [n for n in loaded if n.split(".")[0] not in OWN and not n.startswith("__")]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # a library's optional part that does not import on its own
            pass
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in OWN[:-1])
    if loaded:
        raise SystemExit(f"preloading imported {loaded}: each run must import the mutant afresh")
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    while True:
        connection, _ = listener.accept()
        with connection:
            _serve_one(connection, listener)


def _serve_one(connection: socket.socket, listener: socket.socket) -> None:
    try:
        request = json.loads(connection.makefile("rb").readline())
    except ValueError:  # a caller that connected and sent nothing whole
        return
    pid = os.fork()
    if pid == 0:
        listener.close()
        connection.close()
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        code = HARNESS
        try:
            os.chdir(request["cwd"])
            sys.argv = ["pytest", *request["args"]]
            import pytest

            code = 1  # pytest.main itself raised: the tests did not pass
            code = int(pytest.main(request["args"]))
        finally:
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            try:
                connection.sendall(f"{code}\n".encode())
            except OSError:
                pass
            _kill_group(pid)  # whatever the run left behind in its session
            return
        readable, _, _ = select.select([connection], [], [], 0.05)
        if readable and not connection.recv(1):  # the caller is gone: mutmut's timeout
            _kill_group(pid)
            os.waitpid(pid, 0)
            return


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def verdict(code: int) -> int:
    """mutmut's reading of an exit status: 0 passed, 1 failed (killed), whatever pytest said."""
    if code != 0:
        print(f"pytest exit status {code}: the tests did not pass", file=sys.stderr)
    return 0 if code == 0 else 1


def plain(args: list[str]) -> int:
    """pytest in a fresh interpreter, killed with this process (mutmut's timeout kills us)."""
    import ctypes
    import subprocess

    def die_with_parent() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    child = subprocess.Popen([sys.executable, "-m", "pytest", *args], preexec_fn=die_with_parent)
    return verdict(child.wait())  # a signal's death is negative: not passed


def run(path: str, args: list[str]) -> int:
    try:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(path)
    except OSError:
        return plain(args)
    client.sendall((json.dumps({"cwd": os.getcwd(), "args": args}) + "\n").encode())
    reply = client.makefile("rb").readline().strip()
    if not reply or int(reply) == HARNESS:  # the server died mid-run or could not start pytest
        return plain(args)
    return verdict(int(reply))


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "serve":
        serve(argv[1], argv[2:])
        return 0
    if len(argv) >= 3 and argv[0] == "run" and argv[2] == "--":
        return run(argv[1], argv[3:])
    if len(argv) >= 2 and argv[0] == "plain" and argv[1] == "--":
        return plain(argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
