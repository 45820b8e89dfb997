"""Tests for grader.staff.executors and grader.staff.jobs: the seam every executor shares.

What the local pool and Dask have in common is checked here without a cluster: the course
version both sides compare, the one-line install hint when Dask is missing, the refusal of a
malformed `--scheduler`, and that `grade_folder` records through whatever executor it is given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.judge.registry import Registry
from grader.staff.batch import Settings, grade_folder
from grader.staff.executors import Executor, ExecutorError, make_executor
from grader.staff.executors.local import LocalPool
from grader.staff.jobs import Job, JobResult, course_version

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = (ROOT / "reference" / "exercise2" / "solution.py").read_bytes()


def copy_course(target: Path) -> Path:
    for folder in ("exercises", "reference"):
        shutil.copytree(ROOT / folder, target / folder, ignore=shutil.ignore_patterns("*.pyc"))
    return target


def test_course_version_follows_checks_and_references_not_caches(tmp_path: Path) -> None:
    course = copy_course(tmp_path / "course")
    version = course_version(course)
    assert version == course_version(ROOT) and len(version) == 64
    cache = course / "exercises" / "exercise2" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "checks.cpython-311.pyc").write_bytes(b"compiled")
    assert course_version(course) == version
    (course / "reference" / "exercise2" / "solution.py").write_text("# edited\n", "utf-8")
    assert course_version(course) != version


def test_job_results_carry_the_results_model() -> None:
    answer = JobResult(
        "result", '{"exercise": "exercise2", "score": 1, "max_score": 2, "checks": []}'
    )
    assert answer.result().score == 1.0
    job = Job("ada", "exercise2", SOLUTION, "exercise2.py")
    assert job.course == "" and job.timeout_s > 0


def grade_cli(*args: str, block_dask: bool = False) -> subprocess.CompletedProcess[str]:
    """`grade ...` in a fresh interpreter; `block_dask` makes `import distributed` fail there,
    as on a machine without the extra."""
    prelude = "import sys\n"
    if block_dask:
        prelude += "sys.modules['distributed'] = None\n"
    code = prelude + "from grader.cli import main\nsys.argv = ['grade', *sys.argv[1:]]\nmain()\n"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
    )


def test_scheduler_without_dask_says_how_to_install_it_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "subs" / "ada").mkdir(parents=True)
    args = ["batch", str(tmp_path / "subs"), "--root", str(ROOT), "--scheduler", "local:1"]
    done = grade_cli(*args, "--db", str(tmp_path / "book.sqlite"), block_dask=True)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and 'pip install "grade[dask]"' in lines[0]
    assert not (tmp_path / "book.sqlite").exists(), "nothing started"


def test_a_malformed_local_scheduler_is_refused() -> None:
    with pytest.raises(ExecutorError, match="positive N"):
        make_executor("local:0", Settings(root=str(ROOT)), 1)
    with pytest.raises(ExecutorError, match="positive N"):
        make_executor("local:many", Settings(root=str(ROOT)), 1)


def test_no_scheduler_is_the_local_pool() -> None:
    executor = make_executor(None, Settings(root=str(ROOT)), 3)
    assert isinstance(executor, LocalPool) and executor.workers == 3


class Recording:
    """An executor that grades on the local pool and remembers what it was asked."""

    def __init__(self, settings: Settings) -> None:
        self.pool = LocalPool(settings, 1)
        self.seen: list[str] = []

    def run(self, jobs, on_result, on_failure=None, retry_when=None):  # type: ignore[no-untyped-def]
        self.seen += [job.student for job in jobs]
        return self.pool.run(jobs, on_result, on_failure, retry_when)

    def close(self) -> None:
        self.pool.close()


def test_grade_folder_runs_its_jobs_on_the_executor_it_is_given(tmp_path: Path) -> None:
    for student in ("ada", "bob"):
        (tmp_path / "subs" / student).mkdir(parents=True)
        (tmp_path / "subs" / student / "exercise2.py").write_bytes(
            SOLUTION + f"\n# {student}\n".encode()
        )
    settings = Settings(root=str(ROOT))
    executor = Recording(settings)
    runner: Executor = executor
    batch = grade_folder(
        Registry(ROOT),
        tmp_path / "subs",
        settings,
        1,
        db_path=tmp_path / "b.sqlite",
        executor=runner,
    )
    assert sorted(executor.seen) == ["ada", "bob"]
    assert [sub.score for sub in batch.submissions] == [12.0, 12.0]
