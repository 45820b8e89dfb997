"""The archive entry cap at its boundary (a few seconds: two zips of 5000 entries), kept out of
the intake tests every mutant of the intake package runs; benchmarks/mutation.sh runs it for
grader/staff/intake/blobs.py."""

from __future__ import annotations

import zipfile
from pathlib import Path

from intake_files import make_zip

from grader.staff.intake import read_submissions


def test_an_archive_of_exactly_5000_entries_is_read_and_5001_refused(tmp_path: Path) -> None:
    entries = {f"n{i}.txt": "" for i in range(4999)}
    make_zip(tmp_path / "ann.zip", {**entries, "exercise1.py": "ok"}, zipfile.ZIP_STORED)
    make_zip(
        tmp_path / "bob.zip", {**entries, "x.txt": "", "exercise1.py": "no"}, zipfile.ZIP_STORED
    )
    intake = read_submissions(tmp_path, ["exercise1"])
    assert {s.student: [f.origin for f in s.files] for s in intake.students} == {
        "ann": ["ann.zip:exercise1.py"],
        "bob": [],
    }
    assert "bob.zip: archive not graded: more than 5000 entries" in intake.warnings
