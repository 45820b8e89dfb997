"""Tests for grader.staff.gradebook: schema, attempts, needs_grading, latest, and SIGKILL safety."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

import grader
from grader.outputs.models import CheckResult, Diagnosis, ExerciseResult
from grader.staff import gradebook_schema
from grader.staff.claims import Process, this_process
from grader.staff.gradebook import (
    NO_SUBMISSION,
    RUNNING_NOTICE,
    SCHEMA_VERSION,
    Gradebook,
    GradebookError,
    Wanted,
    content_hash,
    exercise_sort_key,
)

REPO = Path(__file__).resolve().parents[1]


def result(exercise: str, passed: int, total: int = 3, hidden: bool = True) -> ExerciseResult:
    """An exercise result with `passed` of `total` one-point checks passed (the last hidden)."""
    checks = [
        CheckResult(
            name=f"check_{i}",
            title=f"check number {i}",
            status="passed" if i < passed else "failed",
            score=1.0 if i < passed else 0.0,
            max_score=1.0,
            hidden=hidden and i == total - 1,
            feedback="" if i < passed else f"expected {i}, got {i + 1}",
            diagnosis=None
            if i < passed
            else Diagnosis(code="sign_flipped", title="Sign flipped", explanation="minus"),
        )
        for i in range(total)
    ]
    return ExerciseResult(
        exercise=exercise, score=float(passed), max_score=float(total), checks=checks
    )


def digest(text: str) -> str:
    return content_hash(text.encode())


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Gradebook]:
    with Gradebook(tmp_path / "grades.sqlite") as opened:
        yield opened


def test_schema_is_versioned_wal_and_enforces_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "grades.sqlite"
    with Gradebook(path) as opened:
        assert opened.schema_version == SCHEMA_VERSION
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute(
            "INSERT INTO attempts (student, name, exercise, attempt, content_hash, score, "
            "max_score, result_json, grader_version, exercise_version, late, notes_json, "
            "started_at, finished_at) VALUES ('ghost', '', 'exercise1', 1, 'x', 0, 0, '{}', "
            "'0', '1', 0, '[]', '', '')"
        )
    raw.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "grades.sqlite"
    Gradebook(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(GradebookError, match="schema version"):
        Gradebook(path)


def test_reopening_keeps_rows_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "grades.sqlite"
    with Gradebook(path) as first:
        first.record("ada", result("exercise1", 2), content_hash=digest("a"), exercise_version="1")
    with Gradebook(path) as second:
        assert [a.attempt for a in second.history("ada", "exercise1")] == [1]


def test_record_round_trips_the_result_and_metadata(book: Gradebook) -> None:
    original = result("exercise2", 1)
    start = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    stored = book.record(
        "ada",
        original,
        content_hash=digest("v1"),
        exercise_version="3",
        name="Ada L.",
        late=True,
        notes=["extension"],
        started_at=start,
    )
    assert stored.result == original
    assert stored.result.checks[2].hidden
    assert stored.result.checks[1].diagnosis is not None
    assert (stored.student, stored.name, stored.exercise) == ("ada", "Ada L.", "exercise2")
    assert stored.grader_version == grader.__version__
    assert stored.exercise_version == "3"
    assert stored.late and stored.notes == ("extension",)
    assert stored.started_at == "2025-03-01T12:00:00.000+00:00"
    assert stored.finished_at.endswith("+00:00")
    assert book.history("ada", "exercise2") == [stored]


def test_record_rejects_naive_timestamps_and_bad_hashes(book: Gradebook) -> None:
    with pytest.raises(GradebookError, match="timezone"):
        book.record(
            "ada",
            result("exercise1", 1),
            content_hash=digest("a"),
            exercise_version="1",
            started_at=datetime(2025, 1, 1),
        )
    with pytest.raises(GradebookError, match="sha256"):
        book.record("ada", result("exercise1", 1), content_hash="abc", exercise_version="1")
    with pytest.raises(GradebookError, match="empty"):
        book.record("", result("exercise1", 1), content_hash=digest("a"), exercise_version="1")
    assert book.history("ada", "exercise1") == []


def test_attempts_grow_per_student_and_exercise(book: Gradebook) -> None:
    for version, passed in (("v1", 0), ("v2", 2), ("v3", 3)):
        book.record(
            "ada", result("exercise1", passed), content_hash=digest(version), exercise_version="1"
        )
    book.record("bob", result("exercise1", 1), content_hash=digest("b"), exercise_version="1")
    history = book.history("ada", "exercise1")
    assert [a.attempt for a in history] == [1, 2, 3]
    assert [a.result.score for a in history] == [0.0, 2.0, 3.0]
    assert [a.attempt for a in book.history("bob", "exercise1")] == [1]


def test_needs_grading_compares_hash_and_exercise_version(book: Gradebook) -> None:
    assert book.needs_grading("ada", "exercise1", digest("a"), "1")
    book.record("ada", result("exercise1", 1), content_hash=digest("a"), exercise_version="1")
    assert not book.needs_grading("ada", "exercise1", digest("a"), "1")
    assert book.needs_grading("ada", "exercise1", digest("changed"), "1")
    assert book.needs_grading("ada", "exercise1", digest("a"), "2")
    assert book.needs_grading("ada", "exercise2", digest("a"), "1")
    assert book.needs_grading("bob", "exercise1", digest("a"), "1")
    book.record("ada", result("exercise1", 3), content_hash=digest("b"), exercise_version="1")
    assert book.needs_grading("ada", "exercise1", digest("a"), "1")


def test_latest_takes_the_last_attempt_and_computes_totals(book: Gradebook) -> None:
    book.record("ada", result("exercise10", 1), content_hash=digest("1"), exercise_version="1")
    book.record(
        "ada",
        result("exercise10", 3),
        content_hash=digest("2"),
        exercise_version="1",
        late=True,
        notes=["late by 2 h"],
    )
    book.record(
        "ada",
        result("exercise2", 2),
        content_hash=digest("3"),
        exercise_version="1",
        notes=["late by 2 h"],
    )
    book.record("bob", result("exercise2", 1), content_hash=digest("4"), exercise_version="1")
    batch = book.latest()
    ada, bob = batch.submissions
    assert [e.exercise for e in ada.exercises] == ["exercise2", "exercise10"]
    assert (ada.score, ada.max_score, ada.late) == (5.0, 6.0, True)
    assert ada.notes == ["late by 2 h"]
    assert (bob.score, bob.max_score, bob.late) == (1.0, 6.0, False)
    assert bob.notes == [f"{NO_SUBMISSION} for exercise10"]


def test_roster_students_without_submissions_score_zero(book: Gradebook) -> None:
    book.add_student("cy", "Cy Young")
    book.add_student("ada", "Ada")
    book.record("ada", result("exercise1", 2), content_hash=digest("a"), exercise_version="1")
    assert book.students() == {"ada": "Ada", "cy": "Cy Young"}
    ada, cy = book.latest().submissions
    assert ada.student == "ada" and ada.score == 2.0
    assert cy.student == "cy"
    assert (cy.score, cy.max_score, cy.exercises, cy.notes) == (0.0, 3.0, [], [NO_SUBMISSION])


def test_names_are_kept_unless_replaced(book: Gradebook) -> None:
    book.add_student("ada", "Ada Lovelace")
    stored = book.record(
        "ada", result("exercise1", 1), content_hash=digest("a"), exercise_version="1"
    )
    assert stored.name == "Ada Lovelace"
    book.add_student("ada", "Countess")
    assert book.students()["ada"] == "Countess"


def test_exercise_ids_sort_naturally() -> None:
    ids = ["exercise10", "exercise2", "exercise1", "other"]
    assert sorted(ids, key=exercise_sort_key) == ["exercise1", "exercise2", "exercise10", "other"]


WORKER = """
import sys, time
from pathlib import Path
from grader.staff.gradebook import Gradebook, content_hash
from grader.outputs.models import CheckResult, ExerciseResult

path, delay = Path(sys.argv[1]), float(sys.argv[2])
with Gradebook(path) as book:
    for s in range(8):
        for e in range(1, 6):
            student, exercise = f"s{s}", f"exercise{e}"
            digest = content_hash(f"{student}/{exercise}".encode())
            if not book.needs_grading(student, exercise, digest, "1"):
                continue
            score = float((s + e) % 3)
            check = CheckResult(name="c", status="passed" if score == 2 else "failed",
                                score=score, max_score=2.0, feedback=f"{student} {exercise}")
            outcome = ExerciseResult(exercise=exercise, score=score, max_score=2.0,
                                     checks=[check])
            book.record(student, outcome, content_hash=digest, exercise_version="1")
            print(student, exercise, flush=True)
            time.sleep(delay)
"""
PAIRS = 8 * 5


def run_worker(path: Path, delay: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(path), str(delay)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def final_content(path: Path) -> list[dict[str, object]]:
    with Gradebook(path) as opened:
        return [
            a.model_dump(exclude={"started_at", "finished_at"}) for a in opened.latest_attempts()
        ]


def test_sigkill_loses_nothing_committed_and_a_rerun_completes(tmp_path: Path) -> None:
    killed, clean = tmp_path / "killed.sqlite", tmp_path / "clean.sqlite"
    worker = run_worker(killed, 0.05)
    assert worker.stdout is not None
    reported = [worker.stdout.readline().split() for _ in range(12)]
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert worker.returncode == -signal.SIGKILL

    raw = sqlite3.connect(killed)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = {tuple(r) for r in raw.execute("SELECT student, exercise FROM attempts")}
    raw.close()
    assert {tuple(pair) for pair in reported} <= rows
    assert 12 <= len(rows) < PAIRS

    for path in (killed, clean):
        rerun = run_worker(path, 0.0)
        rerun.communicate(timeout=60)
        assert rerun.returncode == 0
    resumed = final_content(killed)
    assert len(resumed) == PAIRS
    assert resumed == final_content(clean)
    assert all(a["attempt"] == 1 for a in resumed)


# --- idempotent recording, batches and claims (issue 17) -------------------------------------


def test_recording_the_same_result_twice_adds_no_attempt(book: Gradebook) -> None:
    first = book.record(
        "ada", result("exercise1", 2), content_hash=digest("a"), exercise_version="1"
    )
    again = book.record(
        "ada", result("exercise1", 3), content_hash=digest("a"), exercise_version="1"
    )
    assert again == first
    assert [a.attempt for a in book.history("ada", "exercise1")] == [1]
    book.record("ada", result("exercise1", 3), content_hash=digest("a"), exercise_version="2")
    book.record("ada", result("exercise1", 3), content_hash=digest("b"), exercise_version="2")
    assert [a.attempt for a in book.history("ada", "exercise1")] == [1, 2, 3]


def test_going_back_to_an_older_file_is_a_new_attempt(book: Gradebook) -> None:
    for version, passed in (("old", 1), ("new", 3), ("old", 1)):
        book.record(
            "ada", result("exercise1", passed), content_hash=digest(version), exercise_version="1"
        )
    history = book.history("ada", "exercise1")
    assert [(a.attempt, a.content_hash) for a in history] == [
        (1, digest("old")),
        (2, digest("new")),
        (3, digest("old")),
    ]
    assert book.latest().submissions[0].score == 1.0


def test_a_regrade_adds_one_attempt_per_batch_not_per_recording(book: Gradebook) -> None:
    book.record("ada", result("exercise1", 2), content_hash=digest("a"), exercise_version="1")
    ticket = book.open_batch(60.0)
    for _ in range(2):  # two batches regrading at once both record the same result
        book.record(
            "ada",
            result("exercise1", 2),
            content_hash=digest("a"),
            exercise_version="1",
            since=ticket.since,
        )
    assert [a.attempt for a in book.history("ada", "exercise1")] == [1, 2]


def wanted(student: str, exercise: str = "exercise1", text: str = "") -> Wanted:
    return Wanted(student, exercise, digest(text or student), "1")


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_live_batch_keeps_its_claims_and_others_skip_them(book: Gradebook) -> None:
    mine, theirs = book.open_batch(60.0), book.open_batch(60.0)  # both this (live) process
    first = book.claim(mine, [wanted("ada"), wanted("bob")])
    assert [w.student for w in first.claimed] == ["ada", "bob"]
    second = book.claim(theirs, [wanted("bob"), wanted("cy")])
    assert [w.student for w in second.claimed] == ["cy"]
    assert [w.student for w in second.busy] == ["bob"]
    running = book.running()
    assert [(r.pid, r.claims) for r in running] == [(os.getpid(), 2), (os.getpid(), 1)]
    assert all(w.startswith(RUNNING_NOTICE) for w in book.latest().warnings)
    assert len(book.latest().warnings) == 2


def test_recording_releases_the_claim_and_done_work_is_not_claimed(book: Gradebook) -> None:
    mine, theirs = book.open_batch(60.0), book.open_batch(60.0)
    book.claim(mine, [wanted("ada")])
    book.record("ada", result("exercise1", 2), content_hash=digest("ada"), exercise_version="1")
    assert [r.claims for r in book.running()] == [0, 0]
    outcome = book.claim(theirs, [wanted("ada"), wanted("ada", text="changed")])
    assert [w.content_hash for w in outcome.done] == [digest("ada")]
    assert [w.content_hash for w in outcome.claimed] == [digest("changed")]
    book.close_batch(mine)
    book.close_batch(theirs)
    assert book.running() == [] and book.latest().warnings == []


def test_a_dead_batch_frees_its_claims(book: Gradebook) -> None:
    here = socket.gethostname()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    killed = book.open_batch(3600.0, Process(child.pid, here, ""))
    reused = book.open_batch(3600.0, this_process())
    expired = book.open_batch(3600.0, Process(1, "elsewhere", ""))
    remote = book.open_batch(3600.0, Process(1, "elsewhere", ""))
    for ticket, student in ((killed, "ada"), (reused, "bob"), (expired, "cy"), (remote, "dee")):
        assert book.claim(ticket, [wanted(student)]).claimed
    assert len(book.running()) == 4
    child.kill()  # SIGKILL: the batch never cleans up
    child.wait()
    raw = sqlite3.connect(book.path)
    with raw:  # its pid now belongs to a process started at another time; an expiry passed
        raw.execute("UPDATE batches SET process_start = '1' WHERE id = ?", (reused.id,))
        raw.execute("UPDATE batches SET expires = 0 WHERE id = ?", (expired.id,))
    raw.close()
    assert [(r.host, r.claims) for r in book.running()] == [("elsewhere", 1)]
    mine = book.open_batch(60.0)
    outcome = book.claim(mine, [wanted(s) for s in ("ada", "bob", "cy", "dee")])
    assert [w.student for w in outcome.claimed] == ["ada", "bob", "cy"]
    assert [w.student for w in outcome.busy] == ["dee"]


def test_this_process_is_alive_and_an_exited_one_is_not() -> None:
    me = this_process()
    assert me.pid == os.getpid() and me.may_be_alive()
    if sys.platform.startswith("linux"):
        assert me.start.isdigit()
    assert not Process(dead_pid(), socket.gethostname(), "").may_be_alive()


def test_a_version_1_gradebook_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    raw = sqlite3.connect(path)
    raw.executescript(gradebook_schema._SCHEMA + "PRAGMA user_version = 1;")
    raw.execute("INSERT INTO students (student, name) VALUES ('ada', 'Ada')")
    raw.commit()
    raw.close()
    with Gradebook(path) as opened:
        assert opened.schema_version == SCHEMA_VERSION == 3
        assert opened.students() == {"ada": "Ada"}
        ticket = opened.open_batch(60.0)
        assert opened.claim(ticket, [wanted("ada")]).claimed


RECORDER = """
import sys
from pathlib import Path
from grader.staff.gradebook import Gradebook, content_hash
from grader.outputs.models import CheckResult, ExerciseResult

path, start = Path(sys.argv[1]), Path(sys.argv[2])
with Gradebook(path) as book:
    while not start.exists():
        pass
    for s in range(8):
        for e in range(1, 6):
            student, exercise = f"s{s}", f"exercise{e}"
            check = CheckResult(name="c", status="passed", score=1.0, max_score=1.0)
            outcome = ExerciseResult(exercise=exercise, score=1.0, max_score=1.0, checks=[check])
            digest = content_hash(f"{student}/{exercise}".encode())
            book.record(student, outcome, content_hash=digest, exercise_version="1")
"""


def test_two_processes_recording_the_same_results_add_each_once(tmp_path: Path) -> None:
    path, start = tmp_path / "shared.sqlite", tmp_path / "go"
    Gradebook(path).close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    recorders = [
        subprocess.Popen([sys.executable, "-c", RECORDER, str(path), str(start)], env=env)
        for _ in range(2)
    ]
    time.sleep(1.0)
    start.touch()
    for recorder in recorders:
        assert recorder.wait(timeout=60) == 0
    raw = sqlite3.connect(path)
    rows = raw.execute("SELECT student, exercise, attempt FROM attempts").fetchall()
    raw.close()
    assert len(rows) == PAIRS
    assert {attempt for _, _, attempt in rows} == {1}


def test_a_batch_declared_dead_by_another_cannot_claim_again(book: Gradebook) -> None:
    lapsed = book.open_batch(-1.0)  # this process, but its expiry has passed
    book.claim(book.open_batch(60.0), [wanted("ada")])
    with pytest.raises(GradebookError, match="expired"):
        book.claim(lapsed, [wanted("bob")])


@pytest.mark.parametrize(
    "content",
    [b"hello, not a database", b""],
    ids=["text", "empty"],
)
def test_gradebook_show_on_a_file_that_is_no_gradebook_is_one_line(
    tmp_path: Path, content: bytes
) -> None:
    from typer.testing import CliRunner

    from grader.cli import app

    path = tmp_path / "notes.sqlite"
    path.write_bytes(content)
    before = path.read_bytes()
    for command in (["show"], ["export", "--csv", str(tmp_path / "g.csv")]):
        done = CliRunner().invoke(app, ["gradebook", command[0], str(path), *command[1:]])
        assert done.exit_code == 2, done.output
        assert "not a grade gradebook" in done.output and "Traceback" not in done.output
    assert path.read_bytes() == before  # never turned into a gradebook


def test_another_programs_database_is_left_untouched(tmp_path: Path) -> None:
    import sqlite3

    from grader.staff.gradebook import is_gradebook

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    assert not is_gradebook(other)
    real = tmp_path / "gradebook.sqlite"
    with Gradebook(real):
        pass
    assert is_gradebook(real)
    with sqlite3.connect(other) as db:
        assert [row[0] for row in db.execute("SELECT name FROM sqlite_master")] == ["t"]
