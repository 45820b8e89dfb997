"""Tests for grader.staff.intake.archives and .blobs: zips listed, never extracted; unsafe
archives rejected whole."""

from __future__ import annotations

import random
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.judge.notebook import extract_code
from grader.staff.intake import Intake, SourceFile, read_submissions
from tests.intake_files import IDS, make_zip, notebook, student, write


def test_zips_per_student_and_inside_a_student_folder_with_nested_folders(tmp_path: Path) -> None:
    make_zip(
        tmp_path / "bob.zip",
        {
            "hw/": "",
            "hw/exercise3.py": "b3",
            "hw/helper.py": "h",
            "__MACOSX/hw/._exercise3.py": "junk",
            "hw/.hidden.py": "x",
            "hw/inner.zip": "x",
        },
    )
    make_zip(tmp_path / "alice" / "upload.zip", {"deep/er/exercise1.ipynb": notebook("y = 1")})
    write(tmp_path, "alice/exercise2.py", "a2")
    intake = read_submissions(tmp_path, IDS)
    code, _ = extract_code(notebook("y = 1"))
    assert intake == Intake(
        (
            student(
                "alice",
                (
                    SourceFile(
                        "exercise1", "alice/upload.zip:deep/er/exercise1.ipynb", code.encode()
                    ),
                    SourceFile("exercise2", "alice/exercise2.py", b"a2"),
                ),
            ),
            student("bob", (SourceFile("exercise3", "bob.zip:hw/exercise3.py", b"b3"),)),
        ),
        (
            "bob.zip:hw/helper.py: not matched to an exercise; not graded",
            "bob.zip:hw/inner.zip: not matched to an exercise (archives inside archives are not "
            "opened); not graded",
        ),
    )


def _symlink_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("exercise1.py", "fine")
        link = zipfile.ZipInfo("exercise2.py")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")


def _encrypted_zip(path: Path) -> None:
    make_zip(path, {"exercise1.py": "secret"}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1  # general purpose flag: encrypted
    path.write_bytes(bytes(data))


def _corrupt_crc_zip(path: Path) -> None:
    make_zip(path, {"exercise1.py": "print('hello')"}, zipfile.ZIP_STORED)
    path.write_bytes(path.read_bytes().replace(b"print('hello')", b"print('HELLO')", 1))


def _hex_text(size: int) -> str:
    return random.Random(0).randbytes(size // 2).hex()


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (
            lambda p: make_zip(p, {"exercise1.py": "ok", "../x.py": "x"}),
            "entry '../x.py' has a '..' component",
        ),
        (
            lambda p: make_zip(p, {"a\\..\\..\\x.py": "x"}),
            "entry 'a\\\\..\\\\..\\\\x.py' has a '..' component",
        ),
        (
            lambda p: make_zip(p, {"/etc/exercise1.py": "x"}),
            "entry '/etc/exercise1.py' has an absolute path",
        ),
        (
            lambda p: make_zip(p, {"C:/exercise1.py": "x"}),
            "entry 'C:/exercise1.py' has an absolute path",
        ),
        (_symlink_zip, "entry 'exercise2.py' is a symbolic link"),
        (_encrypted_zip, "entry 'exercise1.py' is encrypted"),
        (
            lambda p: make_zip(p, {"exercise1.py": "ok", "big.txt": b"\0" * (3 << 20)}),
            "entry 'big.txt' expands ",
        ),
        (
            lambda p: make_zip(p, {"exercise1.py": "ok", "data.txt": _hex_text(3 << 20)}),
            "entries total 3.0 MB uncompressed, over the limit",
        ),
        (
            lambda p: make_zip(p, {"e.txt": _hex_text(3 << 20)}, zipfile.ZIP_STORED),
            "the archive is over the 2 MB limit",
        ),
        (
            lambda p: write(p.parent, p.name, "not a zip"),
            "not a readable zip (BadZipFile: File is not a zip file)",
        ),
        (
            _corrupt_crc_zip,
            "not a readable zip (BadZipFile: Bad CRC-32 for file 'exercise1.py')",
        ),
    ],
    ids=[
        "dotdot",
        "backslash-dotdot",
        "absolute",
        "drive",
        "symlink",
        "encrypted",
        "bomb",
        "oversize",
        "archive-too-big",
        "not-zip",
        "bad-crc",
    ],
)
def test_a_malicious_or_broken_zip_is_rejected_whole_and_the_rest_is_graded(
    tmp_path: Path, build: Callable[[Path], object], reason: str
) -> None:
    build(tmp_path / "mallory.zip")
    write(tmp_path, "mallory/exercise3.py", "m3")
    intake = read_submissions(tmp_path, IDS, max_archive_mb=2)
    (mallory,) = intake.students
    assert mallory.files == (SourceFile("exercise3", "mallory/exercise3.py", b"m3"),)
    (warning,) = intake.warnings
    assert warning.startswith(f"mallory.zip: archive not graded: {reason}")
    assert mallory.notes == (
        warning.replace("mallory.zip: archive not graded", "archive mallory.zip not graded"),
    )


def test_bomb_reason_names_the_ratio(tmp_path: Path) -> None:
    make_zip(tmp_path / "eve.zip", {"big.txt": b"\0" * (3 << 20)})
    (warning,) = read_submissions(tmp_path, IDS).warnings
    assert warning.startswith("eve.zip: archive not graded: entry 'big.txt' expands ")
    ratio = int(warning.split("expands ")[1].split("x")[0])
    assert ratio > 100
    assert warning.endswith("x (compression bomb)")


def test_a_rejected_zip_is_never_extracted_to_disk(tmp_path: Path) -> None:
    make_zip(tmp_path / "subs" / "mallory.zip", {"../escaped.py": "x", "exercise1.py": "m1"})
    intake = read_submissions(tmp_path / "subs", IDS)
    assert intake.students[0].files == ()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["mallory.zip", "subs"]


@pytest.mark.parametrize("single", [False, True])
def test_a_member_name_with_thousands_of_digits_is_data_not_a_crash(
    tmp_path: Path, single: bool
) -> None:
    # a zip member's name can be 64 KiB long; int() refuses a number of over 4300 digits
    long_number = f"exercise2-{'9' * 5000}.py"
    make_zip(tmp_path / "bob.zip", {long_number: "b2", "exercise2-3.py": "b3"})
    write(tmp_path, "alice/exercise2.py", "a2")
    intake = read_submissions(tmp_path, ["exercise2"], single=single)
    assert [s.student for s in intake.students] == ["alice", "bob"]
    graded = intake.students[1].files
    assert [f.origin for f in graded] == ["bob.zip:exercise2-3.py"] and graded[0].data == b"b3"
    assert intake.students[0].files == (SourceFile("exercise2", "alice/exercise2.py", b"a2"),)
