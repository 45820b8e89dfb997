"""Tests for grader.staff.executors.dask on a cluster started the ordinary way.

`dask scheduler` and `dask worker tcp://...` run as their own processes on 127.0.0.1, as on a
real cluster, and `grade batch --scheduler tcp://HOST:PORT` is the real command line. The
batch's gradebook matches the local pool's, progress advances once per job, and a client
killed with SIGKILL or interrupted with Ctrl-C loses nothing that finished: a re-run grades
the rest, each (student, exercise) once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_batch import attempts, build_many, essentials, row_count

from grader.judge.registry import Registry
from grader.outputs.models import BatchResult
from grader.staff.batch import Settings, grade_folder
from grader.staff.executors.dask import DaskExecutor

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sandboxes need Linux"),
]

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = 10
SLOW_IMPORT = (
    "\nimport time\n\ntime.sleep(0.4)  # an honest, slow import: the batch takes seconds\n"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment() -> dict[str, str]:
    """The worker and the client import this checkout's grader."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "COLUMNS": "80"}


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and one worker process (one thread), each its own `dask` command."""
    here = tmp_path_factory.mktemp("cluster")
    address = f"tcp://127.0.0.1:{free_port()}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": here}
    host, port = address.removeprefix("tcp://").split(":")
    scheduler = subprocess.Popen(
        ["dask", "scheduler", "--host", host, "--port", port, "--no-dashboard"],
        env=environment(),
        **quiet,  # type: ignore[call-overload]
    )
    worker = subprocess.Popen(
        ["dask", "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
        env=environment(),
        **quiet,  # type: ignore[call-overload]
    )
    try:
        yield address
    finally:
        stop(worker)
        stop(scheduler)


def build(folder: Path) -> None:
    build_many(folder, STUDENTS)
    for source in folder.glob("*/exercise2.py"):
        source.write_text(source.read_text(encoding="utf-8") + SLOW_IMPORT, encoding="utf-8")


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The folder graded on the local pool: what the cluster must reproduce."""
    base = tmp_path_factory.mktemp("local")
    build(base / "submissions")
    db = base / "book.sqlite"
    batch = grade_folder(
        Registry(ROOT), base / "submissions", Settings(root=str(ROOT)), 1, db_path=db
    )
    return {"base": base, "batch": batch, "attempts": attempts(db)}


def batch_command(folder: Path, db: Path, address: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "grader.cli",
        "batch",
        str(folder),
        "--db",
        str(db),
        "--root",
        str(ROOT),
        "--device",
        "cpu",
        "--scheduler",
        address,
        "--json",
    ]


def start(folder: Path, db: Path, address: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        batch_command(folder, db, address),
        cwd=folder.parent,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(),
    )


def wait_for_rows(db: Path, process: subprocess.Popen[str], rows: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if row_count(db) >= rows:
            return
        time.sleep(0.05)
    pytest.fail(f"the batch ended or stalled before {rows} rows were recorded")


def finish(process: subprocess.Popen[str]) -> BatchResult:
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-2000:]
    return BatchResult.model_validate_json(stdout)


def test_a_tcp_cluster_grades_as_the_local_pool_with_progress(
    address: str, local: dict[str, Any], tmp_path: Path
) -> None:
    build(tmp_path / "submissions")
    ticks: list[int] = []

    def progress(total: int) -> Any:
        ticks.append(total)
        return lambda: ticks.append(-1)

    executor = DaskExecutor.connect(address, Settings(root=str(ROOT)))
    try:
        executor.client.wait_for_workers(1, timeout=240)
        batch = grade_folder(
            Registry(ROOT),
            tmp_path / "submissions",
            executor.settings,
            1,
            db_path=tmp_path / "book.sqlite",
            progress=progress,
            executor=executor,
        )
    finally:
        executor.close()
    assert ticks == [STUDENTS] + [-1] * STUDENTS
    assert batch.warnings == []
    assert attempts(tmp_path / "book.sqlite") == local["attempts"]
    assert essentials(batch) == essentials(local["batch"])


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "ctrl-c"])
def test_a_stopped_client_keeps_what_finished_and_a_rerun_grades_the_rest(
    address: str, local: dict[str, Any], tmp_path: Path, how: signal.Signals
) -> None:
    folder = tmp_path / "submissions"
    build(folder)
    db = tmp_path / "book.sqlite"
    process = start(folder, db, address)
    try:
        wait_for_rows(db, process, 2)
        process.send_signal(how)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == (130 if how == signal.SIGINT else -signal.SIGKILL), stderr[-2000:]
    kept = row_count(db)
    assert 2 <= kept < STUDENTS, "the client was stopped mid-batch"
    resumed = finish(start(folder, db, address))
    assert attempts(db) == local["attempts"], "each (student, exercise) graded once, none lost"
    assert essentials(resumed) == essentials(local["batch"])
