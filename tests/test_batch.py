"""Tests for grader.staff.batch: `grade batch` end to end on real processes, with exercise2.

One mixed folder (student folder, Canvas with LATE and re-submissions, Moodle, a zip, a
notebook, a stub, unmatched files, a roster) is graded once through the real command line and
checked to the point; re-runs, `--regrade`, the gradebook commands, Ctrl-C, SIGKILL and a
resume are then checked against it or against a clean run. A course of one throwaway exercise
whose judge-side check kills or hangs its worker tests that a dead worker costs one job only.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.judge.registry import Registry
from grader.outputs.models import BatchResult, ExerciseResult, Limits
from grader.staff.batch import (
    Job,
    LimitOverrides,
    Settings,
    default_workers,
    fingerprints,
    grade_folder,
    job_timeout,
    run_jobs,
    timed_out,
)
from grader.staff.gradebook import RUNNING_NOTICE

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference" / "exercise2"
SOLUTION = (REFERENCE / "solution.py").read_text(encoding="utf-8")
STUB = (ROOT / "exercises" / "exercise2" / "exercise2.py").read_text(encoding="utf-8")


def mutant(name: str) -> str:
    return (REFERENCE / "mutants" / f"{name}.py").read_text(encoding="utf-8")


# Scores out of 12 (public and hidden checks), from `grade exercise2 --file ...`.
MUTANT_SCORES = {"ge_mask": 8.0, "forward_abs": 7.0, "inplace_grad_output": 11.0, "mask_only": 5.0}
EXPECTED = {  # student id -> (exercise2 score, late)
    "alice": (12.0, False),  # a folder per student
    "1001": (8.0, False),  # Canvas flat: ge_mask
    "1002": (12.0, True),  # Canvas, LATE: the latest submission (5003, the solution) wins
    "1003": (7.0, False),  # Moodle folder: forward_abs
    "erin": (12.0, False),  # a zip per student: inplace_grad_output (a fact: named, not charged)
    "frank": (12.0, False),  # a notebook with a magic line
    "grace": (0.0, False),  # the untouched stub
    "henry": (0.0, False),  # on the roster, nothing handed in
}


def write_notebook(path: Path, code: str) -> None:
    """A notebook: a markdown cell, a magic, the code (without `from __future__`: the notebook
    intake joins cells into one file, where such an import is only valid on top)."""
    code = code.replace("from __future__ import annotations\n", "")
    cells = [
        nbformat.v4.new_markdown_cell("# ReLU"),
        nbformat.v4.new_code_cell("%matplotlib inline"),
        nbformat.v4.new_code_cell(code),
    ]
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=cells)), encoding="utf-8")


def build_mixed(folder: Path) -> Path:
    """Every intake layout at once; returns the roster CSV (outside the folder)."""
    (folder / "alice").mkdir(parents=True)
    (folder / "alice" / "exercise2.py").write_text(SOLUTION, encoding="utf-8")
    (folder / "alice" / "notes.txt").write_text("my notes", encoding="utf-8")
    (folder / "smith_bob_1001_5001_exercise2.py").write_text(mutant("ge_mask"), encoding="utf-8")
    (folder / "jones_carol_1002_5002_exercise2.py").write_text(mutant("mask_only"), "utf-8")
    (folder / "jones_carol_LATE_1002_5003_exercise2-1.py").write_text(SOLUTION, encoding="utf-8")
    moodle = folder / "Dan Brown_1003_assignsubmission_file_"
    moodle.mkdir()
    (moodle / "exercise2.py").write_text(mutant("forward_abs"), encoding="utf-8")
    with zipfile.ZipFile(folder / "erin.zip", "w") as archive:
        archive.writestr("erin/exercise2.py", mutant("inplace_grad_output"))
    (folder / "frank").mkdir()
    write_notebook(folder / "frank" / "exercise2.ipynb", SOLUTION)
    (folder / "grace").mkdir()
    (folder / "grace" / "exercise2.py").write_text(STUB, encoding="utf-8")
    roster = folder.parent / "roster.csv"
    rows = [
        "id,name",
        "alice,Alice A",
        "1001,Bob Smith",
        "1002,Carol Jones",
        "1003,Dan Brown",
        "erin,Erin E",
        "frank,Frank F",
        "grace,Grace G",
        "henry,Henry Ford",
    ]
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return roster


def batch_args(folder: Path, db: Path, *extra: str) -> list[str]:
    """`grade batch`'s arguments, one judge: on two shared cores, a second one's start-up costs
    more than it saves here (the worker-trouble test runs two)."""
    args = ["batch", str(folder), "--db", str(db), "--root", str(ROOT), "--device", "cpu"]
    return [*args, "--workers", "1", *extra]


def grade_command(folder: Path, db: Path, *extra: str) -> list[str]:
    """The command line of `grade batch` as a separate process."""
    return [sys.executable, "-m", "grader.cli", *batch_args(folder, db, *extra)]


def run_grade(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def attempts(db: Path) -> dict[tuple[str, str], int]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT student, exercise, MAX(attempt) FROM attempts GROUP BY student, exercise"
        ).fetchall()
    return {(student, exercise): number for student, exercise, number in rows}


def row_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def essentials(batch: BatchResult) -> dict[str, Any]:
    """What a result says about the students, without timings or captured output."""
    return {
        sub.student: (
            sub.score,
            sub.max_score,
            [
                (
                    ex.exercise,
                    ex.score,
                    [(c.name, c.status, c.score, c.feedback) for c in ex.checks],
                )
                for ex in sub.exercises
            ],
        )
        for sub in batch.submissions
    }


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The mixed folder graded once through `grade batch`, with every export."""
    base = tmp_path_factory.mktemp("mixed")
    folder = base / "submissions"
    roster = build_mixed(folder)
    (folder / "README.txt").write_text("instructions", encoding="utf-8")
    db = base / "book.sqlite"
    out = base / "out"
    out.mkdir()
    exports = [
        "--csv",
        str(out / "grades.csv"),
        "--junit",
        str(out / "junit.xml"),
        "--gradescope",
        str(out / "gradescope"),
        "--html",
        str(out / "report.html"),
    ]
    done = run_grade(
        grade_command(folder, db, "--roster", str(roster), "--json", *exports), cwd=base
    )
    return {
        "base": base,
        "folder": folder,
        "db": db,
        "out": out,
        "roster": roster,
        "batch": BatchResult.model_validate_json(done.stdout),
    }


def test_mixed_layouts_graded_exactly(mixed: dict[str, Any]) -> None:
    batch: BatchResult = mixed["batch"]
    got = {sub.student: (sub.score, sub.late) for sub in batch.submissions}
    assert got == EXPECTED
    assert all(sub.max_score == 12.0 for sub in batch.submissions)
    henry = next(sub for sub in batch.submissions if sub.student == "henry")
    assert henry.exercises == [] and "no submission" in henry.notes
    carol = next(sub for sub in batch.submissions if sub.student == "1002")
    assert any("latest Canvas submission (5003) used" in note for note in carol.notes)
    frank = next(sub for sub in batch.submissions if sub.student == "frank")
    assert {c.status for c in frank.exercises[0].checks} == {"passed"}
    grace = next(sub for sub in batch.submissions if sub.student == "grace")
    assert {c.status for c in grace.exercises[0].checks} == {"not_attempted"}


def test_unmatched_files_are_warnings(mixed: dict[str, Any]) -> None:
    warnings = mixed["batch"].warnings
    assert "alice/notes.txt: not matched to an exercise; not graded" in warnings
    assert any(w.startswith("README.txt: not in a student folder") for w in warnings)


def test_exports_parse(mixed: dict[str, Any]) -> None:
    out: Path = mixed["out"]
    with (out / "grades.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    got = {sid: (float(row["total"]), row["late"] == "yes") for sid, row in rows.items()}
    assert got == EXPECTED
    junit = ET.parse(out / "junit.xml").getroot()
    assert len(junit.findall("testsuite")) == len(EXPECTED)
    checks = sum(len(ex.checks) for sub in mixed["batch"].submissions for ex in sub.exercises)
    assert len(list(junit.iter("testcase"))) == checks == 7 * 8
    for student, (score, _) in EXPECTED.items():
        result = json.loads((out / "gradescope" / student / "results.json").read_text("utf-8"))
        assert result["score"] == score
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype") and "Henry Ford" in html  # roster names


def test_gradebook_commands_read_without_grading(mixed: dict[str, Any], tmp_path: Path) -> None:
    db: Path = mixed["db"]
    before = attempts(db)
    runner = CliRunner()
    shown = runner.invoke(app, ["gradebook", "show", str(db), "--json", "--root", str(ROOT)])
    assert shown.exit_code == 0, shown.output
    assert essentials(BatchResult.model_validate_json(shown.stdout)) == essentials(mixed["batch"])
    exports = [
        "--csv",
        str(tmp_path / "g.csv"),
        "--junit",
        str(tmp_path / "j.xml"),
        "--gradescope",
        str(tmp_path / "gs"),
    ]
    exported = runner.invoke(app, ["gradebook", "export", str(db), "--root", str(ROOT), *exports])
    assert exported.exit_code == 0, exported.output
    csv_text = (mixed["out"] / "grades.csv").read_text("utf-8")
    assert (tmp_path / "g.csv").read_text("utf-8") == csv_text
    ET.parse(tmp_path / "j.xml")
    bob = json.loads((tmp_path / "gs" / "1001" / "results.json").read_text("utf-8"))
    assert bob["score"] == 8.0
    assert attempts(db) == before


def invoke_batch(folder: Path, db: Path, *extra: str) -> BatchResult:
    """`grade batch` in this process (typer's runner): what re-runs print, as a model."""
    args = batch_args(folder, db, "--json", *extra)
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    return BatchResult.model_validate_json(done.stdout)


def test_rerun_grades_only_what_changed_and_regrade_grades_all(mixed: dict[str, Any]) -> None:
    folder, db = mixed["folder"], mixed["db"]
    first = attempts(db)
    assert set(first.values()) == {1} and len(first) == len(EXPECTED) - 1  # henry: no row
    (folder / "smith_bob_1001_5001_exercise2.py").write_text(SOLUTION, encoding="utf-8")
    again = invoke_batch(folder, db, "--roster", str(mixed["roster"]))
    assert attempts(db) == {**first, ("1001", "exercise2"): 2}
    scores = {sub.student: sub.score for sub in again.submissions}
    assert scores == {**{sid: score for sid, (score, _) in EXPECTED.items()}, "1001": 12.0}
    changed = attempts(db)
    invoke_batch(folder, db, "--regrade")
    assert attempts(db) == {key: number + 1 for key, number in changed.items()}


# --- interruptions: Ctrl-C, SIGKILL, resume -------------------------------------------------

STUDENTS = 8  # as many as the two-batch tests share (SHARED), and enough to stop mid-way
VARIANTS = [SOLUTION, *(mutant(name) for name in MUTANT_SCORES), STUB]


def build_many(folder: Path, students: int, first: int = 0) -> None:
    """`students` folders from s<first>, each with a different exercise2 file (variants, made
    unique); a student's file is the same in every folder built."""
    for number in range(first, first + students):
        student = folder / f"s{number:02d}"
        student.mkdir(parents=True)
        source = VARIANTS[number % len(VARIANTS)] + f"\n# student {number}\n"
        (student / "exercise2.py").write_text(source, encoding="utf-8")


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A folder big enough to take seconds, graded cleanly in-process (with progress counted)."""
    base = tmp_path_factory.mktemp("many")
    folder = base / "submissions"
    build_many(folder, STUDENTS)
    ticks: list[int] = []

    def progress(total: int) -> Any:
        ticks.append(total)
        return lambda: ticks.append(-1)

    registry = Registry(ROOT)
    settings = Settings(root=str(ROOT))
    clean = grade_folder(
        registry, folder, settings, 1, db_path=base / "clean.sqlite", progress=progress
    )
    return {"base": base, "folder": folder, "clean": clean, "ticks": ticks}


def test_progress_advances_once_per_job(many: dict[str, Any]) -> None:
    assert many["ticks"] == [STUDENTS] + [-1] * STUDENTS
    assert len(many["clean"].submissions) == STUDENTS


def start_batch(folder: Path, db: Path, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        grade_command(folder, db, "--json"),
        cwd=cwd,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "80"},
    )


def wait_for_rows(db: Path, process: subprocess.Popen[str], rows: int) -> int:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        found = row_count(db)
        if found >= rows:
            return found
        time.sleep(0.05)
    pytest.fail(f"the batch ended or stalled before {rows} rows were recorded")


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_gone(pids: set[int], seconds: float = 20.0) -> set[int]:
    """The processes among `pids` still running after up to `seconds`."""
    deadline = time.monotonic() + seconds
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        alive = {pid for pid in alive if running(pid)}
        time.sleep(0.1)
    return alive


@pytest.fixture
def reap() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_exits_130_promptly_and_keeps_finished_rows(
    many: dict[str, Any], reap: list[subprocess.Popen[str]]
) -> None:
    db = many["base"] / "interrupted.sqlite"
    process = start_batch(many["folder"], db, many["base"])
    reap.append(process)
    seen = wait_for_rows(db, process, 1)
    family = descendants(process.pid)
    process.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr[-2000:]
    assert time.monotonic() - started < 10
    kept = row_count(db)
    assert seen <= kept < STUDENTS
    assert not wait_gone(family)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_then_rerun_matches_a_clean_run(
    many: dict[str, Any], reap: list[subprocess.Popen[str]]
) -> None:
    db = many["base"] / "killed.sqlite"
    process = start_batch(many["folder"], db, many["base"])
    reap.append(process)
    wait_for_rows(db, process, 2)
    family = descendants(process.pid)
    process.kill()
    process.communicate(timeout=30)
    assert 2 <= row_count(db) < STUDENTS, "the batch should have been killed mid-way"
    assert not wait_gone(family), "workers, zygotes and sandboxes die with the batch"
    resumed = invoke_batch(many["folder"], db)
    assert set(attempts(db).values()) == {1}, "nothing graded twice, nothing lost"
    assert len(attempts(db)) == STUDENTS
    assert essentials(resumed) == essentials(many["clean"])


# --- two batches on one gradebook (issue 17) -----------------------------------------------

BEING_GRADED = re.compile(r"^(\d+) being graded by another batch")


def both_batches(
    first: Path, second: Path, db: Path, cwd: Path, reap: list[subprocess.Popen[str]]
) -> tuple[subprocess.Popen[str], subprocess.Popen[str]]:
    """Two `grade batch` processes on one gradebook, started together."""
    started = (start_batch(first, db, cwd), start_batch(second, db, cwd))
    reap.extend(started)
    return started


def finished(process: subprocess.Popen[str]) -> BatchResult:
    stdout, stderr = process.communicate(timeout=240)
    assert process.returncode == 0, stderr[-2000:]
    return BatchResult.model_validate_json(stdout)


def skipped(batch: BatchResult) -> int:
    """How many pairs a batch left to another one, from its warnings."""
    found = [BEING_GRADED.match(w) for w in batch.warnings]
    return sum(int(match.group(1)) for match in found if match)


def gradebook_now(db: Path) -> BatchResult:
    shown = CliRunner().invoke(app, ["gradebook", "show", str(db), "--json", "--root", str(ROOT)])
    assert shown.exit_code == 0, shown.output
    return BatchResult.model_validate_json(shown.stdout)


SHARED = 8  # students s00..s07 of the `many` folder: enough to overlap and to kill mid-way


def assert_graded_once(db: Path, many: dict[str, Any]) -> None:
    """Every (student, exercise) has exactly one attempt and the grades equal a clean run."""
    students = [f"s{n:02d}" for n in range(SHARED)]
    assert attempts(db) == {(student, "exercise2"): 1 for student in students}
    now = gradebook_now(db)
    clean = essentials(many["clean"])
    assert essentials(now) == {student: clean[student] for student in students}
    assert not [w for w in now.warnings if w.startswith(RUNNING_NOTICE)]


@pytest.mark.slow
def test_two_batches_on_the_same_folder_grade_each_pair_once(
    many: dict[str, Any], reap: list[subprocess.Popen[str]]
) -> None:
    base = many["base"] / "twice"
    build_many(base / "both", SHARED)
    db = base / "book.sqlite"
    one, two = both_batches(base / "both", base / "both", db, base, reap)
    reports = finished(one), finished(two)
    assert_graded_once(db, many)
    assert sorted(skipped(report) for report in reports)[1] > 0, "one batch left work to the other"


@pytest.mark.slow
def test_two_batches_on_overlapping_folders_grade_each_pair_once(
    many: dict[str, Any], reap: list[subprocess.Popen[str]]
) -> None:
    base = many["base"] / "overlap"
    build_many(base / "first", 5)  # s00..s04
    build_many(base / "second", 5, first=3)  # s03..s07: s03 and s04 in both
    db = base / "book.sqlite"
    one, two = both_batches(base / "first", base / "second", db, base, reap)
    reports = finished(one), finished(two)
    assert_graded_once(db, many)
    assert all(skipped(report) <= 2 for report in reports), "only the overlap is left over"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_one_of_two_batches_then_rerun_loses_and_doubles_nothing(
    many: dict[str, Any], reap: list[subprocess.Popen[str]]
) -> None:
    base = many["base"] / "killed-one"
    build_many(base / "first", SHARED)  # s00..s07
    build_many(base / "second", 3, first=5)  # s05..s07, also in the first folder
    db = base / "book.sqlite"
    one, two = both_batches(base / "first", base / "second", db, base, reap)
    wait_for_rows(db, one, 2)
    while_running = gradebook_now(db)
    assert any(w.startswith(RUNNING_NOTICE) for w in while_running.warnings)
    family = descendants(one.pid)
    one.kill()
    one.communicate(timeout=30)
    assert one.returncode == -signal.SIGKILL
    assert not wait_gone(family)
    finished(two)
    rerun = invoke_batch(base / "first", db)
    assert skipped(rerun) == 0, "a SIGKILLed batch's claims do not block the next one"
    assert_graded_once(db, many)


# --- a dead or stuck worker costs one job ---------------------------------------------------

CHECKS = '''
import os, signal, time
from pathlib import Path
from grader.authoring import check, expect_float

@check(points=1)
def behaves(sub):
    """The judge survives its worker's death."""
    mode, flag = sub.call("mode")
    first = not Path(flag).exists()
    Path(flag).touch()
    if mode == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang_once" and first:
        time.sleep(120)
    if mode == "nap_once":
        sub.call("nap", 3.0 if first else 0.0)  # over the 1 s call limit the first time
    expect_float(sub.call("one"), 1.0)  # a point comes from a value the judge compares
'''


def build_course(root: Path) -> None:
    folder = root / "exercises" / "exercise99"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'id = "exercise99"\ntitle = "Worker trouble"\norder = 99\nfunctions = ["mode"]\n',
        encoding="utf-8",
    )
    (folder / "exercise99.py").write_text("def mode():\n    raise NotImplementedError\n", "utf-8")
    (folder / "checks.py").write_text(CHECKS, encoding="utf-8")


def trouble_job(student: str, mode: str, flags: Path, timeout_s: float = 60.0) -> Job:
    source = (
        f"import time\n\ndef mode():\n    return {mode!r}, {str(flags / student)!r}\n\n"
        "def nap(seconds):\n    time.sleep(seconds)\n"
        "\ndef one():\n    return 1.0\n"
    )
    return Job(student, "exercise99", source.encode(), "exercise99.py", timeout_s)


def test_a_dead_or_stuck_worker_costs_one_job_and_timeouts_are_confirmed(tmp_path: Path) -> None:
    build_course(tmp_path / "course")
    flags = tmp_path / "flags"
    flags.mkdir()
    jobs = [
        trouble_job("fine", "ok", flags),
        trouble_job("dies", "die", flags),
        trouble_job("stuck", "hang_once", flags, 3.0),
        trouble_job("napper", "nap_once", flags),
    ]
    results: dict[str, ExerciseResult] = {}
    settings = Settings(root=str(tmp_path / "course"), overrides=LimitOverrides(call_s=1.0))
    retried: list[str] = []

    def retry(result: ExerciseResult) -> bool:
        retried.extend(c.status for c in result.checks if timed_out(result))
        return timed_out(result)

    failures = run_jobs(
        jobs,
        settings,
        2,
        lambda job, result: results.__setitem__(job.student, result),
        retry_when=retry,
    )
    assert retried == ["timeout"], "the napper's first run timed out and was run again"
    assert {student: r.score for student, r in results.items()} == {
        "stuck": 1.0,
        "fine": 1.0,
        "napper": 1.0,
    }
    assert [(f.job.student, f.reason) for f in failures] == [
        ("dies", "the judge process was killed by SIGKILL (tried 2 times)")
    ]


def test_fingerprints_change_with_checks_not_with_the_readme(tmp_path: Path) -> None:
    build_course(tmp_path)
    folder = tmp_path / "exercises" / "exercise99"
    before = fingerprints(Registry(tmp_path), {"exercise99"})
    (folder / "README.md").write_text("# Worker trouble", encoding="utf-8")
    assert fingerprints(Registry(tmp_path), {"exercise99"}) == before
    (folder / "checks.py").write_text(CHECKS + "\n# edited\n", encoding="utf-8")
    assert fingerprints(Registry(tmp_path), {"exercise99"}) != before


# --- settings -------------------------------------------------------------------------------


def test_limit_overrides_replace_only_what_they_name() -> None:
    limits = Limits(call_s=5, total_s=40)
    changed = LimitOverrides(call_s=1.5, memory_mb=512).apply(limits)
    assert (changed.call_s, changed.memory_mb, changed.total_s) == (1.5, 512, 40)
    assert LimitOverrides().apply(limits) is limits
    with pytest.raises(ValueError):
        LimitOverrides(total_s=0).apply(limits)
    assert job_timeout(limits) == limits.import_s + 40 + 30


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux only")
def test_default_workers_is_the_usable_core_count() -> None:
    assert default_workers() == len(os.sched_getaffinity(0))


# --- one assignment's download (--exercise) -------------------------------------------------


def test_one_exercise_download_grades_each_students_own_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / "smith_jane_1001_5001_relu.py").write_text(SOLUTION, encoding="utf-8")
    (folder / "doe_john_1002_5002_hw2.py").write_text(mutant("ge_mask"), encoding="utf-8")
    (folder / "doe_john_1002_5003_my_relu.py").write_text(mutant("forward_abs"), "utf-8")
    write_notebook(folder / "roe_ann_LATE_1003_5004_ReLU notebook.ipynb", SOLUTION)
    batch = invoke_batch(folder, tmp_path / "book.sqlite", "--exercise", "exercise2")
    got = {sub.student: (sub.score, sub.late) for sub in batch.submissions}
    assert got == {"1001": (12.0, False), "1002": (7.0, False), "1003": (12.0, True)}
    assert [w for w in batch.warnings if w.startswith("1002:")] == [
        "1002: exercise2: 2 source files; graded doe_john_1002_5003_my_relu.py (the newest "
        "Canvas upload), ignored doe_john_1002_5002_hw2.py"
    ]


def test_an_unknown_exercise_is_a_usage_error(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, batch_args(tmp_path, tmp_path / "b.sqlite", "--exercise", "ex2"))
    assert done.exit_code == 2
    assert "--exercise 'ex2' is not an exercise (exercise1, exercise2," in done.output
    assert not (tmp_path / "b.sqlite").exists()
