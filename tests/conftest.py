"""Shared fixtures: deterministic runs, the course registry, one forkserver engine per session.

Under pytest-xdist (`-n auto`) each worker is a session of its own: its own registry and
engine (zygote), its own `tmp_path` folders.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from grader.judge.registry import Registry

ROOT = Path(__file__).resolve().parent.parent


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker per core this process may run on. xdist's own count is physical
    cores where psutil is installed: 1 on a 2-vCPU machine whose vCPUs are hyperthreads of one
    core, where most tests wait on subprocesses and deadlines and a second worker still helps."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# The files whose tests take a minute or more between them: run first, so that under
# `--dist loadfile` no worker starts one of them while the other has nothing left to do.
SLOW_FIRST = (
    "test_handout_install.py",
    "redteam/test_hostile_batch.py",
    "test_batch.py",
    "test_dask.py",
    "redteam/test_hostile_submissions.py",
    "test_dask_tcp.py",
    "test_gradebook_commands.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the slow files first (a stable sort: within a file, tests keep their order)."""

    def rank(item: pytest.Item) -> int:
        path = item.path.relative_to(ROOT / "tests").as_posix()
        return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(0)
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A private folder with a short path, for a test that points TMPDIR at it: multiprocessing's
    forkserver puts its socket there, and an AF_UNIX address holds 107 bytes, which `tmp_path`
    under xdist (`/tmp/pytest-of-root/pytest-1355/popen-gw1/<test name>/`) leaves no room for:
    the judge failed to start with "AF_UNIX path too long"."""
    folder = Path(tempfile.mkdtemp(prefix="grade-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry(ROOT)


@pytest.fixture(scope="session")
def engine() -> Iterator[object]:
    from grader.judge.sandbox import Engine

    engine = Engine("forkserver")
    engine.start()
    yield engine
