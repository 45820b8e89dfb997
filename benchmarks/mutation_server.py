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
to the caller's folder and runs `pytest.main(PYTEST_ARGS)`; its exit status is `run`'s, with
2-5 (a test file that could not be collected, ...) read as 1, a failing run (read_as_mutmut_should).
When `run` is killed (mutmut's timeout), the server sees its connection close and kills the child's
process group. When no server answers, `run` becomes a plain `python -m pytest PYTEST_ARGS`
(slower, same verdict): a missing server never counts a mutant as killed. Forking a process
that imported torch and computed nothing is what the grader's own zygote does.
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
        os.chdir(request["cwd"])
        sys.argv = ["pytest", *request["args"]]
        code = 70
        try:
            import pytest

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


def run(path: str, args: list[str]) -> int:
    try:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(path)
    except OSError:
        os.execvp(sys.executable, [sys.executable, "-m", "pytest", *args])
    client.sendall((json.dumps({"cwd": os.getcwd(), "args": args}) + "\n").encode())
    reply = client.makefile("rb").readline().strip()
    if not reply:  # the server died mid-run: no verdict, so run the tests here
        os.execvp(sys.executable, [sys.executable, "-m", "pytest", *args])
    return read_as_mutmut_should(int(reply))


# pytest exits with 2 ("interrupted") when a test file cannot even be collected, and with 4
# ("usage error") when a node id given (file.py::test) is not found because its file did not
# import: both are a mutant that breaks the import of its module (a decorator removed from a
# class the tests build at import, `frozenset(...) + {...}` or `A, B = None` at module level).
# 3 (internal error) and 5 (no tests collected) are a mutant's doing too: the baseline run of
# the same command passed. mutmut 2 counts only 1 as a failing run (`tests_pass` is
# `returncode != 1`), so such mutants were reported as survivors; they are read as failures.
# (The plain-pytest fallbacks above keep pytest's own status: they can miss such a kill, never
# invent one.)
def read_as_mutmut_should(code: int) -> int:
    return 1 if code in (2, 3, 4, 5) else code


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "serve":
        serve(argv[1], argv[2:])
        return 0
    if len(argv) >= 3 and argv[0] == "run" and argv[2] == "--":
        return run(argv[1], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
