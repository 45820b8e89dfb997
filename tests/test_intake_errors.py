"""read_submissions' refusals, matched whole (staff read them), and its default archive limit."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from grader.staff.intake import IntakeError, read_submissions


def refused(message: str) -> Any:
    return pytest.raises(IntakeError, match=f"^{re.escape(message)}$")


def test_what_cannot_be_read_at_all(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with refused(f"{missing} is not a folder"):
        read_submissions(missing, ["exercise1"])
    with refused("max_archive_mb must be positive, not 0"):
        read_submissions(tmp_path, ["exercise1"], max_archive_mb=0)
    with refused("a one-exercise intake needs one exercise id, not 2"):
        read_submissions(tmp_path, ["exercise1", "exercise2"], single=True)


def test_the_default_archive_limit_is_50_mb(tmp_path: Path) -> None:
    for name, size in (("ann", 50 << 20), ("bob", (50 << 20) + 1)):
        with zipfile.ZipFile(tmp_path / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("exercise1.py", "x = 1\n")
            # entries of at most 1 MiB are never compression bombs, however well they compress
            left, part = size - 6, 0
            while left:
                archive.writestr(f"padding{part}.txt", b"\0" * min(left, 1 << 20))
                left, part = left - min(left, 1 << 20), part + 1
    intake = read_submissions(tmp_path, ["exercise1"])
    graded = {s.student: [f.origin for f in s.files] for s in intake.students}
    assert graded == {"ann": ["ann.zip:exercise1.py"], "bob": []}
    refusal = "bob.zip: archive not graded: entries total 50.0 MB uncompressed, over the limit"
    assert refusal in intake.warnings
    assert not [w for w in intake.warnings if w.startswith("ann.zip: archive")]
