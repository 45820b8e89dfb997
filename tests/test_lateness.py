"""Tests for grader.staff.lateness: submission times from nbgrader's timestamp.txt."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from grader.staff.lateness import lateness_of, nbgrader_time, parse_timestamp

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02 22:59:12.123456 UTC", datetime(2026, 3, 2, 22, 59, 12, 123456, UTC)),
        ("2026-03-02 22:59:12 UTC\n", datetime(2026, 3, 2, 22, 59, 12, tzinfo=UTC)),
        ("2026-03-02T23:59:12+01:00", datetime(2026, 3, 2, 22, 59, 12, tzinfo=UTC)),
        ("2026-03-02 23:59:12+01:00", datetime(2026, 3, 2, 22, 59, 12, tzinfo=UTC)),
        (
            "2026-03-02 23:59:12 Europe/Berlin",
            datetime(2026, 3, 2, 23, 59, 12, tzinfo=ZoneInfo("Europe/Berlin")),
        ),
    ],
)
def test_timestamps_with_a_zone_are_read(text: str, expected: datetime) -> None:
    found = parse_timestamp(text)
    assert found is not None and found == expected and found.tzinfo is not None


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-02 22:59:12",  # no zone: a guess could make a student late
        "",
        "yesterday UTC",
        "2026-03-02 22:59:12 Mars/Olympus",
        "2026-03-02 22:59:12 ../../etc/passwd",
        "2026-03-02 22:59:12 America",  # a folder of the zone database, not a zone
        "2026-03-02 22:59:12 " + "x" * 300,  # a zone name too long for a file name
        "2026-03-02 22:59:12+01:00 UTC",  # two zones
        "2026-03-02 22:59:12 UTC\n2027-01-01 00:00:00 UTC",
    ],
)
def test_a_timestamp_without_one_clear_zone_is_unknown(text: str) -> None:
    assert parse_timestamp(text) is None


def test_the_nearest_timestamp_inside_the_student_folder_gives_the_time(tmp_path: Path) -> None:
    assignment = tmp_path / "alice" / "ps1"
    (assignment / "deep").mkdir(parents=True)
    (assignment / "timestamp.txt").write_text("2026-03-02 22:59:12 UTC\n", encoding="utf-8")
    (tmp_path / "timestamp.txt").write_text("2000-01-01 00:00:00 UTC", encoding="utf-8")
    when = datetime(2026, 3, 2, 22, 59, 12, tzinfo=UTC)
    assert nbgrader_time(tmp_path, "alice/ps1/exercise2.ipynb") == (when, "")
    assert nbgrader_time(tmp_path, "alice/ps1/deep/exercise2.py") == (when, "")
    assert nbgrader_time(tmp_path, "bob/exercise2.py") == (None, "")  # above the student: no
    assert nbgrader_time(tmp_path, "alice.zip:ps1/exercise2.py") == (None, "")
    lateness, note = lateness_of(tmp_path, "alice/ps1/exercise2.ipynb", marked_late=True)
    assert (lateness.submitted_at, lateness.marked_late, note) == (when, True, "")


def test_an_unreadable_or_linked_timestamp_is_a_note_not_a_guess(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "timestamp.txt").write_text("soon", encoding="utf-8")
    assert nbgrader_time(tmp_path, "alice/exercise2.py") == (
        None,
        "alice/timestamp.txt: not a time with a zone; submission time unknown",
    )
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "timestamp.txt").write_bytes(b"\xff\xfe2026")
    assert "cannot be read" in nbgrader_time(tmp_path, "bob/exercise2.py")[1]
    (tmp_path / "eve").mkdir()
    (tmp_path / "eve" / "timestamp.txt").symlink_to(tmp_path / "alice" / "timestamp.txt")
    assert nbgrader_time(tmp_path, "eve/exercise2.py") == (None, "")
    later = datetime.now(UTC) + timedelta(days=1)
    (tmp_path / "alice" / "timestamp.txt").write_text(f"{later.isoformat()}", encoding="utf-8")
    assert nbgrader_time(tmp_path, "alice/exercise2.py")[0] == later
