"""Batches and their claims in the gradebook: several batches may share one file.

A batch registers itself (`open_batch`: pid, host, the process's start time, an expiry it
renews) and claims the (student, exercise) pairs it is about to grade (`claim`); another batch
skips pairs claimed by a live batch. A batch is dead when its process is gone (same host) or its
expiry has passed (any host); the next `claim` removes it and its claims, so a SIGKILLed batch
blocks nobody for long. `running` says which batches are still at work.

Every function takes the gradebook's connection and runs its own transaction (or reads outside
one), exactly as `grader.staff.gradebook.Gradebook` calls them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

from grader.staff.claims import Process, this_process
from grader.staff.gradebook_attempts import needs_grading, same_latest
from grader.staff.gradebook_schema import GradebookError, transaction, utc_iso

RUNNING_NOTICE = "a batch is running on this gradebook"


@dataclass(frozen=True)
class BatchTicket:
    """A batch registered in the gradebook: its row id, and the last attempt id before it began
    (a `--regrade` batch counts only attempts after that one as already done)."""

    id: int
    since: int


@dataclass(frozen=True)
class RunningBatch:
    """A live batch as readers see it: who runs it and how many pairs it still holds."""

    pid: int
    host: str
    started_at: str
    claims: int

    def describe(self) -> str:
        return (
            f"{RUNNING_NOTICE} (pid {self.pid} on {self.host}, started "
            f"{self.started_at}, {self.claims} still being graded): these grades may change"
        )


@dataclass(frozen=True)
class Wanted:
    """A pair a batch wants to grade, with what decides whether it is already done."""

    student: str
    exercise: str
    content_hash: str
    exercise_version: str


@dataclass(frozen=True)
class ClaimOutcome:
    """What `claim` did: pairs now this batch's, pairs a live batch holds, pairs already done."""

    claimed: tuple[Wanted, ...]
    busy: tuple[Wanted, ...]
    done: tuple[Wanted, ...]


def open_batch(db: sqlite3.Connection, ttl_s: float, process: Process | None) -> BatchTicket:
    """Register a batch run by `process` (default: this one), alive for `ttl_s` unless
    renewed."""
    process = process or this_process()
    with transaction(db):
        since = db.execute("SELECT COALESCE(MAX(id), 0) FROM attempts").fetchone()[0]
        cursor = db.execute(
            "INSERT INTO batches (pid, host, process_start, started_at, expires) "
            "VALUES (?, ?, ?, ?, ?)",
            (process.pid, process.host, process.start, utc_iso(None), time.time() + ttl_s),
        )
        assert cursor.lastrowid is not None
        return BatchTicket(cursor.lastrowid, int(since))


def renew_batch(db: sqlite3.Connection, ticket: BatchTicket, ttl_s: float) -> None:
    """Push the batch's expiry `ttl_s` from now (its heartbeat)."""
    with transaction(db):
        db.execute("UPDATE batches SET expires = ? WHERE id = ?", (time.time() + ttl_s, ticket.id))


def close_batch(db: sqlite3.Connection, ticket: BatchTicket) -> None:
    """The batch is over: drop it and every claim it still holds."""
    with transaction(db):
        db.execute("DELETE FROM batches WHERE id = ?", (ticket.id,))


def claim(
    db: sqlite3.Connection, ticket: BatchTicket, wanted: Sequence[Wanted], *, regrade: bool
) -> ClaimOutcome:
    """In one transaction: forget dead batches, then take every wanted pair that no live batch
    holds and that still needs grading (for a `regrade`: that no attempt after the ticket's
    `since` graded already)."""
    claimed: list[Wanted] = []
    busy: list[Wanted] = []
    done: list[Wanted] = []
    with transaction(db):
        _forget_dead(db, ticket)
        holders = {
            (row["student"], row["exercise"]): row["batch"]
            for row in db.execute("SELECT student, exercise, batch FROM claims")
        }
        for item in wanted:
            holder = holders.get((item.student, item.exercise))
            if holder is not None and holder != ticket.id:
                busy.append(item)
            elif _already_done(db, item, ticket.since if regrade else 0):
                done.append(item)
            else:
                db.execute(
                    "INSERT OR REPLACE INTO claims (student, exercise, batch) VALUES (?, ?, ?)",
                    (item.student, item.exercise, ticket.id),
                )
                claimed.append(item)
    return ClaimOutcome(tuple(claimed), tuple(busy), tuple(done))


def _already_done(db: sqlite3.Connection, item: Wanted, since: int) -> bool:
    if since:
        args = (item.content_hash, item.exercise_version, since)
        return same_latest(db, item.student, item.exercise, *args) is not None
    return not needs_grading(
        db, item.student, item.exercise, item.content_hash, item.exercise_version
    )


def _forget_dead(db: sqlite3.Connection, ticket: BatchTicket) -> None:
    """Drop every other dead batch (claims cascade); the caller is alive by definition, but may
    have been declared dead by another batch (its expiry passed unrenewed)."""
    now = time.time()
    rows = db.execute("SELECT * FROM batches").fetchall()
    if ticket.id not in {row["id"] for row in rows}:
        raise GradebookError(
            "this batch's registration expired (its heartbeat stopped) and another batch "
            "took over its work; run the batch again"
        )
    for row in rows:
        owner = Process(row["pid"], row["host"], row["process_start"])
        if row["id"] != ticket.id and not (row["expires"] > now and owner.may_be_alive()):
            db.execute("DELETE FROM batches WHERE id = ?", (row["id"],))


def running(db: sqlite3.Connection) -> list[RunningBatch]:
    """Every batch that is alive (its process exists, its expiry has not passed)."""
    now = time.time()
    rows = db.execute(
        "SELECT b.*, (SELECT COUNT(*) FROM claims AS c WHERE c.batch = b.id) AS held "
        "FROM batches AS b ORDER BY b.id"
    ).fetchall()
    return [
        RunningBatch(row["pid"], row["host"], row["started_at"], row["held"])
        for row in rows
        if row["expires"] > now
        and Process(row["pid"], row["host"], row["process_start"]).may_be_alive()
    ]
