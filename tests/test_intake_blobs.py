"""grader/staff/intake/blobs.py on its own: `archive_problem` at each rule's boundary, on zip
headers built in memory (nothing compressed), and `Blob.read` of plain files and zip members,
at the size limit and one byte past it (sparse files: no data written)."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from grader.staff.intake.blobs import (
    BOMB_MIN_BYTES,
    ArchiveError,
    Blob,
    archive_problem,
)

MB = 1 << 20


def entry(name: str, size: int = 10, compressed: int = 10) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.file_size, info.compress_size = size, compressed
    return info


def test_the_documented_limits() -> None:
    assert BOMB_MIN_BYTES == MB
    assert Blob("x").limit == 50 * MB


def test_a_ratio_of_exactly_100_is_fine_and_past_it_a_bomb() -> None:
    size = 2_000_000  # over BOMB_MIN_BYTES, and 100 times a whole number
    assert archive_problem([entry("a.py", size, size // 100)], 1 << 30) == ""
    # 100.1x: over 100 and under 101
    assert archive_problem([entry("a.py", size, 19_980)], 1 << 30) == (
        "entry 'a.py' expands 100x (compression bomb)"
    )
    assert archive_problem([entry("a.py", size, size // 300)], 1 << 30) == (
        "entry 'a.py' expands 300x (compression bomb)"
    )


def test_a_mebibyte_expanding_past_100x_is_no_bomb_a_byte_more_is() -> None:
    assert archive_problem([entry("a.py", MB, 1)], 1 << 30) == ""
    assert archive_problem([entry("a.py", MB + 1, 1)], 1 << 30) == (
        "entry 'a.py' expands 1048577x (compression bomb)"
    )
    # nothing compressed to 0 bytes divides by zero: it counts as 1
    assert archive_problem([entry("a.py", MB + 1, 0)], 1 << 30) == (
        "entry 'a.py' expands 1048577x (compression bomb)"
    )


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("/etc/passwd", "entry '/etc/passwd' has an absolute path"),
        ("\\evil.py", "entry '\\\\evil.py' has an absolute path"),
        ("C:evil.py", "entry 'C:evil.py' has an absolute path"),
        ("z:/evil.py", "entry 'z:/evil.py' has an absolute path"),
        ("a/../b.py", "entry 'a/../b.py' has a '..' component"),
        ("a\\..\\b.py", "entry 'a\\\\..\\\\b.py' has a '..' component"),
        ("..", "entry '..' has a '..' component"),
    ],
)
def test_paths_out_of_the_archive_are_refused(name: str, problem: str) -> None:
    assert archive_problem([entry("fine.py"), entry(name)], 1 << 30) == problem


@pytest.mark.parametrize("name", ["a..b.py", "..a.py", "a/b..", "1:2.py", "a/C:b.py"])
def test_names_that_only_look_like_escapes_are_fine(name: str) -> None:
    assert archive_problem([entry(name)], 1 << 30) == ""


def test_links_and_encrypted_entries_are_refused() -> None:
    link = entry("link.py")
    link.external_attr = 0o120777 << 16
    assert archive_problem([link], 1 << 30) == "entry 'link.py' is a symbolic link"
    plain = entry("plain.py")
    plain.external_attr = 0o100644 << 16
    assert archive_problem([plain], 1 << 30) == ""
    locked = entry("locked.py")
    locked.flag_bits |= 0x1
    assert archive_problem([locked], 1 << 30) == "entry 'locked.py' is encrypted"
    other_flags = entry("flags.py")
    other_flags.flag_bits |= 0x8 | 0x800  # a data descriptor, UTF-8 names: fine
    assert archive_problem([other_flags], 1 << 30) == ""


def test_the_entries_may_total_the_limit_and_not_a_byte_more() -> None:
    halves = [entry("a.py", MB // 2, MB // 2), entry("b.py", MB // 2, MB // 2)]
    assert archive_problem(halves, MB) == ""
    assert archive_problem(halves, MB - 1) == ("entries total 1.0 MB uncompressed, over the limit")
    assert archive_problem([entry("a.py", 3 * MB + MB // 4, 3 * MB)], 3 * MB) == (
        "entries total 3.2 MB uncompressed, over the limit"
    )


def test_a_plain_file_is_read_whole_up_to_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "exercise1.py"
    path.write_bytes(b"print(1)\n")
    assert Blob(str(path)).read() == b"print(1)\n"  # the defaults: a plain file, not a notebook
    assert Blob(str(path), limit=9).read() == b"print(1)\n"
    with pytest.raises(ArchiveError, match=r"^over 0 MB$"):
        Blob(str(path), limit=8).read()


def test_the_default_limit_is_50_mebibytes(tmp_path: Path) -> None:
    exact, over = tmp_path / "exact.py", tmp_path / "over.py"
    for path, size in ((exact, 50 * MB), (over, 50 * MB + 1)):
        with open(path, "wb") as handle:
            handle.truncate(size)  # sparse: nothing written
    assert len(Blob(str(exact)).read()) == 50 * MB
    with pytest.raises(ArchiveError, match=r"^over 50 MB$"):
        Blob(str(over)).read()
    with pytest.raises(ArchiveError, match=r"^over 3 MB$"):
        Blob(str(over), limit=3 * MB + MB // 2).read()


def test_a_notebook_reads_as_its_code(tmp_path: Path) -> None:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "source": ["x = 1\n"],
                "metadata": {},
                "outputs": [],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "exercise1.ipynb"
    path.write_text(json.dumps(notebook))
    code = Blob(str(path), notebook=True).read()
    assert b"x = 1\n" in code and b'"source"' not in code
    assert Blob(str(path)).read() == path.read_bytes()
    path.write_text("not json any more")
    with pytest.raises(ArchiveError):
        Blob(str(path), notebook=True).read()


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_member_is_read_by_its_index(tmp_path: Path) -> None:
    path = zip_of(tmp_path / "s.zip", {"a.py": b"first", "b.py": b"second"})
    assert Blob(str(path), 0, 5).read() == b"first"
    assert Blob(str(path), 1, 6).read() == b"second"
    assert Blob(str(path), 1, 6, limit=6).read() == b"second"


def test_a_member_over_the_limit_or_an_archive_that_changed_is_refused(tmp_path: Path) -> None:
    path = zip_of(tmp_path / "s.zip", {"a.py": b"x" * 100})
    with pytest.raises(ArchiveError, match=r"^the archive changed since intake$"):
        Blob(str(path), 0, 100, limit=99).read()
    zip_of(path, {"../a.py": b"x"})  # rewritten unsafe after intake listed it
    with pytest.raises(ArchiveError, match=r"^the archive changed since intake$"):
        Blob(str(path), 0, 1).read()
    path.write_bytes(b"no longer a zip")
    with pytest.raises(ArchiveError, match=r"^not a readable zip \(BadZipFile\)$"):
        Blob(str(path), 0, 1).read()
    os.unlink(path)
    with pytest.raises(FileNotFoundError):
        Blob(str(path), 0, 1).read()
