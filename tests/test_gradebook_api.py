"""Direct, fast tests of the gradebook's recording: attempts and their numbering, what counts as
already graded, re-grading after a batch's ticket, claims and batches, maxima, overrides and the
lateness fields. Every test opens its own file in tmp_path; nothing starts a batch or a
sandbox (test_gradebook.py keeps the end-to-end SIGKILL and two-process tests)."""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import grader
from grader.outputs.models import CheckResult, ExerciseResult
from grader.staff.claims import Process, this_process
from grader.staff.gradebook import (
    Gradebook,
    GradebookError,
    RunningBatch,
    Wanted,
    content_hash,
    exercise_sort_key,
)

WHEN = datetime(2026, 3, 2, 12, 0, 0, 250000, tzinfo=timezone.utc)


def result(exercise: str, score: float, top: float = 4.0) -> ExerciseResult:
    checks = [
        CheckResult(
            name=f"c{i}",
            status="passed" if i < score else "failed",
            score=float(i < score),
            max_score=1.0,
        )
        for i in range(int(top))
    ]
    return ExerciseResult(exercise=exercise, score=score, max_score=top, checks=checks)


def digest(text: str) -> str:
    return content_hash(text.encode())


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Gradebook]:
    with Gradebook(tmp_path / "grades.sqlite") as opened:
        yield opened


def put(
    book: Gradebook,
    student: str,
    exercise: str,
    score: float,
    source: str = "v1",
    top: float = 4.0,
    version: str = "1",
    since: int = 0,
    **extra: object,
) -> int:
    attempt = book.record(
        student,
        result(exercise, score, top),
        content_hash=digest(source),
        exercise_version=version,
        since=since,
        **extra,  # type: ignore[arg-type]
    )
    return attempt.attempt


# --- recording ------------------------------------------------------------------------------


def test_content_hash_is_the_sha256_hex_of_the_bytes() -> None:
    assert content_hash(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_a_recorded_attempt_keeps_every_field(book: Gradebook) -> None:
    attempt = book.record(
        "ada",
        result("exercise1", 3),
        content_hash=digest("a"),
        exercise_version="7",
        name="Ada L",
        late=True,
        notes=["n1", "n2"],
        started_at=WHEN,
        finished_at=WHEN + timedelta(seconds=2),
        submitted_at=datetime(2026, 3, 1, 23, 0, tzinfo=timezone(timedelta(hours=1))),
    )
    (stored,) = book.history("ada", "exercise1")
    assert stored == attempt
    assert (stored.student, stored.name, stored.exercise, stored.attempt) == (
        "ada",
        "Ada L",
        "exercise1",
        1,
    )
    assert (stored.content_hash, stored.exercise_version, stored.grader_version) == (
        digest("a"),
        "7",
        grader.__version__,
    )
    assert stored.result == result("exercise1", 3)
    assert (stored.late, stored.notes) == (True, ("n1", "n2"))
    assert stored.started_at == "2026-03-02T12:00:00.250+00:00"
    assert stored.finished_at == "2026-03-02T12:00:02.250+00:00"
    assert stored.submitted_at == "2026-03-01T22:00:00.000+00:00"
    row = sqlite3.connect(book.path).execute("SELECT score, max_score FROM attempts").fetchone()
    assert row == (3.0, 4.0)


def test_defaults_not_late_no_notes_no_submission_time(book: Gradebook) -> None:
    put(book, "ada", "exercise1", 2)
    (stored,) = book.history("ada", "exercise1")
    assert (stored.late, stored.notes, stored.submitted_at, stored.name) == (False, (), "", "")
    assert stored.started_at and stored.finished_at


@pytest.mark.parametrize(
    ("student", "hash_", "message"),
    [
        ("", digest("a"), "a student id cannot be empty"),
        ("ada", "", "not a sha256 hex digest: ''"),
        ("ada", digest("a")[:-1], f"not a sha256 hex digest: {digest('a')[:-1]!r}"),
        ("ada", digest("a") + "0", f"not a sha256 hex digest: {digest('a') + '0'!r}"),
        ("ada", digest("a").upper(), f"not a sha256 hex digest: {digest('a').upper()!r}"),
        ("ada", "g" * 64, f"not a sha256 hex digest: {'g' * 64!r}"),
    ],
)
def test_bad_ids_and_hashes_record_nothing(
    book: Gradebook, student: str, hash_: str, message: str
) -> None:
    with pytest.raises(GradebookError, match=f"^{re.escape(message)}$"):
        book.record(student, result("exercise1", 1), content_hash=hash_, exercise_version="1")
    assert book.latest_attempts() == [] and book.students() == {}


def test_naive_times_are_refused(book: Gradebook) -> None:
    for field in ("started_at", "finished_at", "submitted_at"):
        with pytest.raises(GradebookError, match=r"^timestamps must be timezone-aware \(UTC\)$"):
            book.record(
                "ada",
                result("exercise1", 1),
                content_hash=digest("a"),
                exercise_version="1",
                **{field: datetime(2026, 1, 1)},  # type: ignore[arg-type]
            )
    assert book.latest_attempts() == []


def test_names_a_recording_gives_replace_and_an_empty_one_keeps(book: Gradebook) -> None:
    with pytest.raises(GradebookError, match="^a student id cannot be empty$"):
        book.add_student("")
    book.add_student("bob")
    book.add_student("ada", "Ada")
    put(book, "ada", "exercise1", 1, name="")
    assert book.history("ada", "exercise1")[0].name == "Ada"
    put(book, "ada", "exercise1", 1, source="v2", name="Ada Lovelace")
    assert book.history("ada", "exercise1")[1].name == "Ada Lovelace"
    book.add_student("ada")
    assert book.students() == {"ada": "Ada Lovelace", "bob": ""}


def test_attempts_are_numbered_per_student_and_exercise(book: Gradebook) -> None:
    numbers = [
        put(book, "ada", "exercise1", 1, "a"),
        put(book, "ada", "exercise1", 2, "b"),
        put(book, "ada", "exercise2", 2, "a"),
        put(book, "bob", "exercise1", 2, "a"),
        put(book, "ada", "exercise1", 3, "c"),
    ]
    assert numbers == [1, 2, 1, 1, 3]
    assert [a.result.score for a in book.history("ada", "exercise1")] == [1.0, 2.0, 3.0]
    assert book.history("ada", "exercise9") == []


# --- what is already graded -----------------------------------------------------------------


def test_needs_grading_looks_at_the_latest_attempt_only(book: Gradebook) -> None:
    assert book.needs_grading("ada", "exercise1", digest("a"), "1")
    put(book, "ada", "exercise1", 1, "a")
    assert not book.needs_grading("ada", "exercise1", digest("a"), "1")
    assert book.needs_grading("ada", "exercise1", digest("b"), "1")
    assert book.needs_grading("ada", "exercise1", digest("a"), "2")
    assert book.needs_grading("bob", "exercise1", digest("a"), "1")
    assert book.needs_grading("ada", "exercise2", digest("a"), "1")
    put(book, "ada", "exercise1", 1, "b")
    assert book.needs_grading("ada", "exercise1", digest("a"), "1")  # an older file again
    assert not book.needs_grading("ada", "exercise1", digest("b"), "1")


def test_the_same_bytes_again_add_no_attempt_but_another_grader_version_does(
    book: Gradebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert put(book, "ada", "exercise1", 1) == 1
    assert put(book, "ada", "exercise1", 4) == 1  # the first result stands
    assert book.history("ada", "exercise1")[0].result.score == 1.0
    assert put(book, "ada", "exercise1", 4, version="2") == 2
    monkeypatch.setattr(grader, "__version__", grader.__version__ + ".post1")
    assert put(book, "ada", "exercise1", 4, version="2") == 3
    assert book.history("ada", "exercise1")[-1].grader_version.endswith(".post1")


def test_a_regrade_counts_only_attempts_after_its_ticket(book: Gradebook) -> None:
    put(book, "ada", "exercise1", 1)  # attempt id 1
    put(book, "bob", "exercise1", 1)  # attempt id 2
    ticket = book.open_batch(60.0)
    assert ticket.since == 2
    assert put(book, "ada", "exercise1", 3, since=ticket.since) == 2  # regraded
    assert put(book, "ada", "exercise1", 3, since=ticket.since) == 2  # not twice
    # the attempt right after the ticket counts as done; the one at the ticket does not
    assert put(book, "bob", "exercise1", 2, since=3) == 2
    assert put(book, "bob", "exercise1", 2, since=3) == 2
    assert put(book, "bob", "exercise1", 2, since=3, version="2") == 3


def test_open_batch_since_is_the_last_attempt_id(book: Gradebook) -> None:
    assert book.open_batch(60.0).since == 0
    put(book, "ada", "exercise1", 1)
    put(book, "ada", "exercise2", 1)
    first = book.open_batch(60.0)
    second = book.open_batch(60.0)
    assert (first.since, second.since) == (2, 2)
    assert second.id == first.id + 1


# --- claims -----------------------------------------------------------------------------------


def want(student: str, source: str = "v1", exercise: str = "exercise1") -> Wanted:
    return Wanted(student, exercise, digest(source), "1")


def test_a_claim_takes_free_pairs_and_keeps_its_own(book: Gradebook) -> None:
    mine, theirs = book.open_batch(60.0), book.open_batch(60.0)
    first = book.claim(mine, [want("ada"), want("bob")])
    assert (first.claimed, first.busy, first.done) == ((want("ada"), want("bob")), (), ())
    again = book.claim(mine, [want("ada")])  # a batch may claim its own pair again
    assert again.claimed == (want("ada"),)
    other = book.claim(theirs, [want("ada"), want("ada", exercise="exercise2")])
    assert other.busy == (want("ada"),)
    assert other.claimed == (want("ada", exercise="exercise2"),)
    assert [r.claims for r in book.running()] == [2, 1]
    book.close_batch(mine)
    assert [r.claims for r in book.running()] == [1]
    freed = book.claim(theirs, [want("bob")])
    assert freed.claimed == (want("bob"),)


def test_done_pairs_are_not_claimed_and_a_regrade_claims_them(book: Gradebook) -> None:
    put(book, "ada", "exercise1", 2)
    ticket = book.open_batch(60.0)
    plain = book.claim(ticket, [want("ada"), want("ada", "v2")])
    assert (plain.done, plain.claimed) == ((want("ada"),), (want("ada", "v2"),))
    regrade = book.claim(ticket, [want("ada")], regrade=True)
    assert regrade.claimed == (want("ada"),)
    put(book, "ada", "exercise1", 2, since=ticket.since)
    assert book.claim(ticket, [want("ada")], regrade=True).done == (want("ada"),)


def test_recording_releases_only_that_pairs_claim(book: Gradebook) -> None:
    ticket = book.open_batch(60.0)
    book.claim(ticket, [want("ada"), want("bob"), want("ada", exercise="exercise2")])
    put(book, "ada", "exercise1", 1)
    assert [r.claims for r in book.running()] == [2]
    put(book, "ada", "exercise1", 1)  # a duplicate releases too (nothing left to release)
    book.claim(ticket, [want("ada", "v9")])
    put(book, "ada", "exercise1", 4, "v1")  # the same bytes as the latest: no attempt, released
    assert [r.claims for r in book.running()] == [2]


def test_an_expired_batch_is_not_running_until_renewed(book: Gradebook) -> None:
    ticket = book.open_batch(-1.0)
    assert book.running() == []
    book.renew_batch(ticket, 60.0)
    (alive,) = book.running()
    assert alive == RunningBatch(alive.pid, alive.host, alive.started_at, 0)
    assert alive.pid == this_process().pid and alive.host == this_process().host
    book.renew_batch(ticket, -1.0)
    assert book.running() == []


def test_an_expired_batch_loses_its_claims_to_the_next_claim(book: Gradebook) -> None:
    stale, live = book.open_batch(60.0), book.open_batch(60.0)
    book.claim(stale, [want("ada")])
    assert book.claim(live, [want("ada")]).busy == (want("ada"),)
    book.renew_batch(stale, -1.0)
    assert book.claim(live, [want("ada")]).claimed == (want("ada"),)
    expired = (
        "this batch's registration expired (its heartbeat stopped) and another batch "
        "took over its work; run the batch again"
    )
    with pytest.raises(GradebookError, match=f"^{re.escape(expired)}$"):
        book.claim(stale, [want("bob")])


def test_a_batch_of_another_host_lives_until_its_expiry(book: Gradebook) -> None:
    remote = book.open_batch(60.0, Process(1, "elsewhere.example", "5"))
    mine = book.open_batch(60.0)
    book.claim(remote, [want("ada")])
    assert book.claim(mine, [want("ada")]).busy == (want("ada"),)
    (first, second) = book.running()
    assert (first.pid, first.host, first.claims) == (1, "elsewhere.example", 1)
    assert first.describe() == (
        f"a batch is running on this gradebook (pid 1 on elsewhere.example, started "
        f"{first.started_at}, 1 still being graded): these grades may change"
    )
    assert second.host == this_process().host


# --- reading the grades ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exercise", "key"),
    [
        ("exercise2", ("exercise", 2, "")),
        ("exercise10b", ("exercise", 10, "b")),
        ("ex1_2", ("ex", 1, "_2")),
        ("intro", ("intro", -1, "")),
        ("7", ("", 7, "")),
    ],
)
def test_exercise_sort_key(exercise: str, key: tuple[str, int, str]) -> None:
    assert exercise_sort_key(exercise) == key


def test_latest_attempts_and_maxima_in_natural_order(book: Gradebook) -> None:
    put(book, "bob", "exercise10", 1, top=10)
    put(book, "ada", "exercise10", 2, top=10)
    put(book, "ada", "exercise2", 1, top=2)
    put(book, "ada", "exercise2", 2, "v2", top=3)  # the exercise's maximum changed
    put(book, "bob", "exercise2", 1, "v3", top=2)  # an older attempt's maximum, recorded last
    latest = book.latest_attempts()
    assert [(a.student, a.exercise, a.attempt) for a in latest] == [
        ("ada", "exercise2", 2),
        ("ada", "exercise10", 1),
        ("bob", "exercise2", 1),
        ("bob", "exercise10", 1),
    ]
    maxima = book.exercise_maxima()
    assert list(maxima.items()) == [("exercise2", 2.0), ("exercise10", 10.0)]


def test_latest_totals_notes_and_lateness(book: Gradebook) -> None:
    put(book, "ada", "exercise1", 1, notes=["shared", "one"], late=True)
    put(book, "ada", "exercise2", 3, notes=["shared", "two"])
    put(book, "bob", "exercise2", 2)
    book.add_student("cy", "Cy")
    ada, bob, cy = book.latest().submissions
    assert (ada.score, ada.raw_score, ada.max_score, ada.late) == (4.0, 4.0, 8.0, True)
    assert ada.notes == ["shared", "one", "two"]
    assert (bob.score, bob.max_score, bob.late) == (2.0, 8.0, False)
    assert bob.notes == ["no submission for exercise1"]
    assert (cy.name, cy.score, cy.max_score, cy.notes, cy.grades) == (
        "Cy",
        0.0,
        8.0,
        ["no submission"],
        [],
    )
    assert [g.exercise for g in ada.grades] == ["exercise1", "exercise2"]
    assert [(g.raw_score, g.score, g.max_score) for g in ada.grades] == [
        (1.0, 1.0, 4.0),
        (3.0, 3.0, 4.0),
    ]


def test_a_submission_time_is_given_to_the_policy(book: Gradebook) -> None:
    put(book, "ada", "exercise1", 1, submitted_at=WHEN)
    put(book, "bob", "exercise1", 1)
    ada, bob = book.latest().submissions
    assert ada.grades[0].submitted_at == "2026-03-02T12:00:00+00:00"
    assert bob.grades[0].submitted_at == ""


# --- overrides -------------------------------------------------------------------------------


def test_override_bounds_are_inclusive_and_non_finite_scores_refused(book: Gradebook) -> None:
    put(book, "ada", "exercise1", 1)
    assert book.override("ada", "exercise1", 0.0, "zero").override.score == 0.0
    assert book.override("ada", "exercise1", 4.0, "full").override.score == 4.0
    for bad in (math.inf, -math.inf, math.nan, 4.0001, -0.0001):
        with pytest.raises(GradebookError, match="is not between 0 and 4 for exercise1"):
            book.override("ada", "exercise1", bad, "why")
    assert [o.override.reason for o in book.overrides(every=True)] == ["zero", "full"]


def test_an_override_before_any_grading_names_none(book: Gradebook) -> None:
    book.add_student("ada")
    with pytest.raises(
        GradebookError, match=r"^no exercise 'exercise1' in this gradebook \(graded: none yet\)$"
    ):
        book.override("ada", "exercise1", 1.0, "why")
    put(book, "bob", "exercise2", 1)
    put(book, "bob", "exercise10", 1)
    with pytest.raises(GradebookError, match=r"\(graded: exercise2, exercise10\)$"):
        book.override("ada", "exercise1", 1.0, "why")


def test_an_override_records_its_time_and_a_default_now(book: Gradebook) -> None:
    put(book, "ada", "exercise1", 1)
    given = book.override("ada", "exercise1", 2.0, "a\n  b", at=WHEN)
    assert (given.student, given.exercise) == ("ada", "exercise1")
    assert (given.override.reason, given.override.at) == ("a b", "2026-03-02T12:00:00.250+00:00")
    before = datetime.now(timezone.utc)
    now = book.override("ada", "exercise1", 3.0, "later")
    assert datetime.fromisoformat(now.override.at) >= before - timedelta(seconds=1)
    with pytest.raises(GradebookError, match=r"^timestamps must be timezone-aware \(UTC\)$"):
        book.override("ada", "exercise1", 1.0, "naive", at=datetime(2026, 1, 1))


def test_the_latest_override_per_pair_is_in_force_in_natural_order(book: Gradebook) -> None:
    for student in ("bob", "ada"):
        for exercise in ("exercise10", "exercise2"):
            put(book, student, exercise, 1, top=10)
    book.override("bob", "exercise10", 1.0, "b10 first")
    book.override("ada", "exercise10", 2.0, "a10")
    book.override("bob", "exercise10", 3.0, "b10 second")
    book.override("ada", "exercise2", 4.0, "a2")
    book.override("bob", "exercise2", 5.0, "b2")
    assert [(o.student, o.exercise, o.override.reason) for o in book.overrides()] == [
        ("ada", "exercise2", "a2"),
        ("ada", "exercise10", "a10"),
        ("bob", "exercise2", "b2"),
        ("bob", "exercise10", "b10 second"),
    ]
    assert [o.override.reason for o in book.overrides(every=True)] == [
        "b10 first",
        "a10",
        "b10 second",
        "a2",
        "b2",
    ]
    ada, bob = book.latest().submissions
    assert (ada.score, ada.raw_score, bob.score) == (6.0, 2.0, 8.0)


def test_an_override_of_an_exercise_not_handed_in(book: Gradebook) -> None:
    put(book, "ada", "exercise10", 5, top=10)
    put(book, "ada", "exercise2", 2, top=2)
    put(book, "bob", "exercise2", 1, top=2)
    book.override("bob", "exercise10", 7.0, "by hand")
    (bob,) = [s for s in book.latest().submissions if s.student == "bob"]
    assert (bob.score, bob.raw_score, bob.max_score) == (8.0, 1.0, 12.0)
    assert [(g.exercise, g.raw_score, g.score, g.max_score, g.policy) for g in bob.grades] == [
        ("exercise2", 1.0, 1.0, 2.0, ""),
        ("exercise10", 0.0, 7.0, 10.0, "no submission"),
    ]
    assert bob.grades[1].override is not None
    assert bob.grades[1].override.reason == "by hand"
    assert bob.notes == ["no submission for exercise10"]


# --- the file ---------------------------------------------------------------------------------


def test_each_connection_is_wal_synchronous_full_with_foreign_keys(book: Gradebook) -> None:
    db = book._db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert book.schema_version == 3


def test_a_failed_write_is_rolled_back_whole(book: Gradebook) -> None:
    put(book, "ada", "exercise1", 1)
    with pytest.raises(sqlite3.IntegrityError):
        from grader.staff.gradebook_schema import transaction

        with transaction(book._db) as db:
            db.execute("INSERT INTO students (student, name) VALUES ('bob', '')")
            db.execute("INSERT INTO students (student, name) VALUES ('', '')")  # CHECK fails
    assert book.students() == {"ada": ""}
    assert not book._db.in_transaction
    put(book, "bob", "exercise1", 1)  # the connection is usable again
    assert set(book.students()) == {"ada", "bob"}


def test_a_newer_file_is_refused_with_both_versions(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    Gradebook(path).close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 4")
    raw.close()
    with pytest.raises(
        GradebookError,
        match=r"new\.sqlite has schema version 4; this grader knows 3 \(upgrade the grader\)$",
    ):
        Gradebook(path)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 4  # left as it was
    raw.close()


def test_what_is_a_gradebook(tmp_path: Path) -> None:
    from grader.staff.gradebook import is_gradebook

    assert not is_gradebook(tmp_path / "missing.sqlite")
    assert not (tmp_path / "missing.sqlite").exists()
    (tmp_path / "text.sqlite").write_text("not a database")
    assert not is_gradebook(tmp_path / "text.sqlite")
    half = tmp_path / "half.sqlite"
    raw = sqlite3.connect(half)
    raw.executescript("CREATE TABLE students (x); PRAGMA user_version = 1;")
    raw.close()
    assert not is_gradebook(half)  # no attempts table
    unversioned = tmp_path / "unversioned.sqlite"
    raw = sqlite3.connect(unversioned)
    raw.executescript("CREATE TABLE students (x); CREATE TABLE attempts (y);")
    raw.close()
    assert not is_gradebook(unversioned)
    first = tmp_path / "version1.sqlite"  # the oldest gradebook: exactly these two tables
    raw = sqlite3.connect(first)
    raw.executescript("CREATE TABLE students (x); CREATE TABLE attempts (y);")
    raw.executescript("PRAGMA user_version = 1;")
    raw.close()
    assert is_gradebook(first)
    Gradebook(tmp_path / "real.sqlite").close()
    assert is_gradebook(tmp_path / "real.sqlite")


def test_a_version_2_file_gains_submission_times_and_overrides(tmp_path: Path) -> None:
    from grader.staff.gradebook_schema import _SCHEMA, _SCHEMA_2

    path = tmp_path / "v2.sqlite"
    raw = sqlite3.connect(path)
    raw.executescript(_SCHEMA + _SCHEMA_2 + "PRAGMA user_version = 2;")
    raw.close()
    with Gradebook(path) as opened:
        assert opened.schema_version == 3
        put(opened, "ada", "exercise1", 2, submitted_at=WHEN)
        opened.override("ada", "exercise1", 1.0, "checked")
        assert opened.history("ada", "exercise1")[0].submitted_at.startswith("2026-03-02T12")
    with Gradebook(path) as again:  # reopening migrates nothing twice
        assert again.schema_version == 3 and len(again.overrides()) == 1


def test_every_exercise_not_handed_in_is_named(book: Gradebook) -> None:
    for exercise in ("exercise10", "exercise2", "exercise3"):
        put(book, "ada", exercise, 1)
    put(book, "bob", "exercise3", 1)
    bob = book.latest().submissions[1]
    assert bob.notes == ["no submission for exercise2, exercise10"]
