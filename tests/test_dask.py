"""Tests for grader.staff.executors.dask: `grade batch` on a real dask.distributed cluster.

One `LocalCluster` of two worker processes (one thread each) on 127.0.0.1 serves the whole
module, started in the background (`DaskExecutor.start`, as `grade batch` does) while the local
pool grades the folder it must reproduce; every worker runs the real judge plugin (its own
zygote and sandboxes). The same folder graded on it and on the local pool must give the same
gradebook; a hostile submission costs only its own points; a worker SIGKILLed mid-batch loses
and doubles nothing; a worker whose course files differ from the batch's is refused with a
clear error; a stuck or dying judge costs its job one retry on a fresh worker (on a `local:1`
cluster of its own).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_batch import attempts, build_course, build_many, essentials, row_count, trouble_job

from grader.judge.registry import Registry
from grader.outputs.models import BatchResult, ExerciseResult
from grader.staff.batch import Settings, grade_folder
from grader.staff.executors import ExecutorError
from grader.staff.executors.dask import PLUGIN, DaskExecutor, StartingDask, plugin_name
from grader.staff.gradebook import Gradebook
from grader.staff.jobs import course_version

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = 6
HOSTILE = "mallory"  # kills its parent, its process group and PID 1 at import


def build_folder(folder: Path) -> None:
    build_many(folder, STUDENTS)
    (folder / HOSTILE).mkdir()
    attack = ROOT / "tests" / "redteam" / "cases" / "kill_parent.py"
    shutil.copy(attack, folder / HOSTILE / "exercise2.py")


def honest(batch: BatchResult) -> dict[str, Any]:
    return {k: v for k, v in essentials(batch).items() if k != HOSTILE}


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this course: the one the module's cluster grades."""
    course = tmp_path_factory.mktemp("course")
    for folder in ("exercises", "reference"):
        shutil.copytree(ROOT / folder, course / folder, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "course.toml", course / "course.toml")
    return course


@pytest.fixture(scope="module")
def starting(course: Path) -> Iterator[StartingDask]:
    executor = DaskExecutor.start("local:2", Settings(root=str(course)))
    yield executor
    executor.close()


@pytest.fixture(scope="module")
def local(
    course: Path, starting: StartingDask, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The folder graded on the local pool (while the cluster starts): what Dask must
    reproduce."""
    base = tmp_path_factory.mktemp("local")
    build_folder(base / "submissions")
    db = base / "book.sqlite"
    batch = grade_folder(
        Registry(course), base / "submissions", Settings(root=str(course)), 1, db_path=db
    )
    return {"batch": batch, "attempts": attempts(db)}


@pytest.fixture(scope="module")
def cluster(starting: StartingDask, local: dict[str, Any]) -> DaskExecutor:
    return starting.ready()


def on_dask(folder: Path, db: Path, executor: DaskExecutor) -> BatchResult:
    registry = Registry(Path(executor.settings.root))
    return grade_folder(registry, folder, executor.settings, 1, db_path=db, executor=executor)


def test_dask_and_the_local_pool_give_the_same_gradebook(
    cluster: DaskExecutor, local: dict[str, Any], tmp_path: Path
) -> None:
    build_folder(tmp_path / "submissions")
    db = tmp_path / "book.sqlite"
    batch = on_dask(tmp_path / "submissions", db, cluster)
    assert batch.warnings == []
    assert attempts(db) == local["attempts"]
    assert honest(batch) == honest(local["batch"])
    assert {sub.student: sub.score for sub in batch.submissions}[HOSTILE] == 0.0
    assert {sub.student: sub.score for sub in local["batch"].submissions}[HOSTILE] == 0.0
    assert len(cluster.client.nthreads()) == 2, "the hostile submission killed no worker"


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(
    cluster: DaskExecutor, local: dict[str, Any], tmp_path: Path
) -> None:
    build_folder(tmp_path / "submissions")
    db = tmp_path / "book.sqlite"
    pids = cluster.client.run(os.getpid)
    killed: list[int] = []

    def kill_one() -> None:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and row_count(db) < 1:
            time.sleep(0.05)
        victim = sorted(pids.values())[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)

    killer = threading.Thread(target=kill_one, daemon=True)
    killer.start()
    batch = on_dask(tmp_path / "submissions", db, cluster)
    killer.join(timeout=30)
    assert killed, "a worker was killed while the batch ran"
    assert row_count(db) == STUDENTS + 1, "one row per (student, exercise)"
    assert attempts(db) == local["attempts"]
    assert [w for w in batch.warnings if "not graded" in w] == []
    assert honest(batch) == honest(local["batch"])


def test_a_worker_with_another_course_version_is_refused(
    cluster: DaskExecutor, tmp_path: Path
) -> None:
    course = tmp_path / "course"
    for folder in ("exercises", "reference"):
        shutil.copytree(Path(cluster.settings.root) / folder, course / folder)
    checks = course / "exercises" / "exercise2" / "checks.py"
    checks.write_text(checks.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert course_version(course) != course_version(Path(cluster.settings.root))
    # the batch's client holds the edited course; the workers' judges hold the original files
    client_side = DaskExecutor(cluster.client, cluster.settings, course_version(course))
    build_many(tmp_path / "submissions", 2)
    db = tmp_path / "book.sqlite"
    with pytest.raises(ExecutorError, match="course files .* are version .* install the same"):
        grade_folder(
            Registry(course),
            tmp_path / "submissions",
            client_side.settings,
            1,
            db_path=db,
            executor=client_side,
        )
    assert attempts(db) == {}
    with Gradebook(db) as book:
        assert book.running() == [], "the refused batch released its claims"


def test_a_batch_with_other_settings_gets_judges_of_its_own(cluster: DaskExecutor) -> None:
    """A second batch on the same long-running cluster with other settings (here: public
    checks only) must not be graded by the warm judges the first batch left behind."""
    other = dataclasses.replace(cluster.settings, include_hidden=False)
    assert plugin_name(other) != plugin_name(cluster.settings)
    assert plugin_name(dataclasses.replace(other)) == plugin_name(other), "stable per settings"
    second = DaskExecutor.judging(cluster.client, other, cluster.course)

    def judges(dask_worker: Any) -> dict[str, bool]:
        return {
            name: plugin.settings.include_hidden
            for name, plugin in dask_worker.plugins.items()
            if name.startswith(PLUGIN)
        }

    for seen in cluster.client.run(judges).values():
        assert seen[cluster.plugin] is True and seen[second.plugin] is False


def test_a_stuck_or_dying_judge_costs_its_job_one_retry_on_a_fresh_worker(tmp_path: Path) -> None:
    """A judge past its job's deadline has its worker killed (the nanny starts a fresh one and
    the job is tried again there); a job that kills its worker twice is given up, alone.
    A cluster of its own, as before: sharing the module's was tried, and the run was left
    with no worker (at a load average of 22 to 28, not understood)."""
    build_course(tmp_path / "course")
    flags = tmp_path / "flags"
    flags.mkdir()
    jobs = [
        trouble_job("stuck", "hang_once", flags, 3.0),
        trouble_job("dies", "die", flags),
        trouble_job("fine", "ok", flags),
    ]
    executor = DaskExecutor.connect("local:1", Settings(root=str(tmp_path / "course")))
    results: dict[str, ExerciseResult] = {}
    try:
        failures = executor.run(jobs, lambda job, result: results.__setitem__(job.student, result))
    finally:
        executor.close()
    assert {student: r.score for student, r in results.items()} == {"stuck": 1.0, "fine": 1.0}
    assert [f.job.student for f in failures] == ["dies"]
    assert "KilledWorker" in failures[0].reason, "the nanny replaced the killed worker each time"
