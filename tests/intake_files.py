"""Shared by the intake tests: files, zips and notebooks written into tmp_path, and the
expected `StudentSubmission`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from grader.staff.intake import SourceFile, StudentSubmission

IDS = ("exercise1", "exercise2", "exercise3", "exercise12")
MOODLE = "Jane Doe_4242_assignsubmission_file_"


def write(root: Path, relative: str, data: bytes | str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def make_zip(
    path: Path, entries: dict[str, bytes | str], method: int = zipfile.ZIP_DEFLATED
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def notebook(source: str) -> bytes:
    """A v4.5 notebook file: a markdown cell, then one code cell with `source`."""
    cells = [
        {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ["# Exercise"]},
        {
            "cell_type": "code",
            "id": "work",
            "metadata": {},
            "source": source.splitlines(keepends=True),
            "outputs": [],
            "execution_count": None,
        },
    ]
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    return json.dumps(document).encode()


def student(
    sid: str,
    files: tuple[SourceFile, ...] = (),
    *,
    name: str | None = None,
    late: bool = False,
    notes: tuple[str, ...] = (),
) -> StudentSubmission:
    return StudentSubmission(sid, sid if name is None else name, files, late, notes)
