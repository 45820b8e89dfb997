"""When a file was handed in, as far as the LMS's layout says (for `grader.staff.policy`).

- Canvas: `LATE` in the file name is a late mark without a time (read by intake:
  `SourceFile.late`).
- nbgrader: `submitted/<student>/<assignment>/timestamp.txt` holds the submission time, e.g.
  `2026-03-01 22:59:12.123456 UTC` (an offset such as `+01:00` or a zone name such as
  `Europe/Berlin` also works). The nearest `timestamp.txt` above the file, inside the student's
  folder, gives its time.
- Gradescope: `submission_metadata.json`'s `created_at` (read by its runner).

Other layouts (a plain folder, a zip, Moodle) give no time: their files are on time. A file's
modification time is never used: copying or unzipping sets it.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.staff.policy import Lateness

TIMESTAMP_FILE = "timestamp.txt"
_MAX_TIMESTAMP_BYTES = 200


def lateness_of(folder: Path, origin: str, marked_late: bool) -> tuple[Lateness, str]:
    """What is known of when the file at `origin` (relative to the submissions `folder`, as
    intake names it) was handed in, and a note when a timestamp could not be read."""
    when, note = nbgrader_time(folder, origin)
    return Lateness(submitted_at=when, marked_late=marked_late), note


def nbgrader_time(folder: Path, origin: str) -> tuple[datetime | None, str]:
    """The time in the nearest `timestamp.txt` above a file of a student folder; (None, '')
    when there is none (a zip member, a flat LMS file), (None, note) when it is unreadable."""
    if ":" in origin:  # inside an archive: an archive has no nbgrader timestamp
        return None, ""
    parts = PurePosixPath(origin).parts
    for depth in range(len(parts) - 1, 0, -1):
        candidate = folder.joinpath(*parts[:depth], TIMESTAMP_FILE)
        if candidate.is_symlink() or not candidate.is_file():
            continue
        shown = "/".join((*parts[:depth], TIMESTAMP_FILE))
        try:
            with candidate.open("rb") as handle:
                text = handle.read(_MAX_TIMESTAMP_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None, f"{shown}: cannot be read; submission time unknown"
        when = parse_timestamp(text)
        if when is None:
            return None, f"{shown}: not a time with a zone; submission time unknown"
        return when, ""
    return None, ""


def parse_timestamp(text: str) -> datetime | None:
    """`2026-03-01 22:59:12.123456 UTC`, `...+01:00`, `... Europe/Berlin`; None without a zone
    (a guessed zone could make a student late)."""
    text = text.strip()
    if not text or "\n" in text:
        return None
    stamp, _, zone = text.rpartition(" ")
    tz: tzinfo | None = None
    if stamp and zone and not zone[0].isdigit():
        if zone.upper() in ("UTC", "GMT", "Z"):
            tz = timezone.utc
        else:
            try:
                tz = ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError, OSError):  # `America`: a folder
                return None
        text = stamp
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if tz is not None:
        return moment.replace(tzinfo=tz) if moment.tzinfo is None else None
    return moment if moment.tzinfo is not None else None
