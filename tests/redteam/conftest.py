"""Red-team fixtures: a warm engine, the host a case may aim at, and unarmed scores."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hostile import LIMITS, Case, Host, grade, listen

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def warm_engine(engine: Engine, registry: Registry) -> Engine:
    """The first sandbox of a session pays for the zygote's imports: never in a case's budget."""
    solution = (ROOT / "reference" / "exercise2" / "solution.py").read_text()
    grade(
        engine,
        registry,
        "exercise2",
        solution,
        LIMITS.model_copy(update={"total_s": 120, "import_s": 120}),
    )
    return engine


@pytest.fixture
def host(tmp_path: Path, warm_engine: Engine) -> Iterator[Host]:
    """A canary folder with a correct submission by "alice", and a listening loopback port."""
    found = Host(tmp_path)
    alice = found.canary / "alice"
    alice.mkdir(parents=True)
    shutil.copy(ROOT / "reference" / "exercise2" / "solution.py", alice / "exercise2.py")
    with socket.create_server(("127.0.0.1", 0)) as server:
        found.port = server.getsockname()[1]
        stop = threading.Event()
        thread = threading.Thread(target=listen, args=(server, stop, found.accepted), daemon=True)
        thread.start()
        try:
            yield found
        finally:
            stop.set()
            thread.join(timeout=5)


@pytest.fixture(scope="session")
def unarmed_score(warm_engine: Engine, registry: Registry) -> Callable[[Case], float]:
    """The score of a case's file without its attack lines (graded once per distinct text)."""
    scores: dict[tuple[str, str, str], float] = {}

    def score(case: Case) -> float:
        key = (case.exercise, case.unarmed(), case.limits.model_dump_json())
        if key not in scores:
            scores[key] = grade(warm_engine, registry, case.exercise, key[1], case.limits).score
        return scores[key]

    return score
