"""Tests for grader.platforms.prairielearn: `grade prairielearn` in a temporary /grade root,
on correct, wrong, hostile, unreadable and misconfigured uploads; results.json read back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.platforms.prairielearn import RESULTS_LIMIT

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "reference" / "exercise2" / "solution.py"
MUTANT = ROOT / "reference" / "exercise2" / "mutants" / "clamp_gradient.py"
STUB = ROOT / "exercises" / "exercise2" / "exercise2.py"


def grade(tmp_path: Path, files: dict[str, bytes], params: object = None) -> dict[str, Any]:
    root = tmp_path / "grade"
    (root / "student").mkdir(parents=True)
    (root / "data").mkdir()
    for name, data in files.items():
        (root / "student" / name).write_bytes(data)
    data = {"params": {"exercise": "exercise2"} if params is None else params}
    (root / "data" / "data.json").write_text(json.dumps(data))
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "prairielearn", "--course", str(ROOT)]
        + ["--root", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    text = (root / "results" / "results.json").read_bytes()
    assert len(text) <= RESULTS_LIMIT
    results: dict[str, Any] = json.loads(text)
    return results


def assert_gradable(results: dict[str, Any]) -> None:
    assert results["gradable"] is True
    assert 0.0 <= results["score"] <= 1.0
    total = sum(t["max_points"] for t in results["tests"])
    assert results["score"] == pytest.approx(sum(t["points"] for t in results["tests"]) / total)
    for test in results["tests"]:
        assert set(test) == {"name", "points", "max_points", "message", "output"}


def test_correct_upload_scores_one(tmp_path: Path) -> None:
    results = grade(tmp_path, {"exercise2.py": SOLUTION.read_bytes()})
    assert_gradable(results)
    assert results["score"] == 1.0


def test_wrong_upload_scores_a_fraction_with_feedback(tmp_path: Path) -> None:
    results = grade(tmp_path, {"exercise2.py": MUTANT.read_bytes()})
    assert_gradable(results)
    assert 0 < results["score"] < 1
    assert any(t["points"] < t["max_points"] and t["output"] for t in results["tests"])


def test_hostile_upload_cannot_forge_the_results(tmp_path: Path) -> None:
    target = tmp_path / "grade" / "results" / "results.json"
    hostile = STUB.read_text() + (
        "\nimport json, pathlib\n"
        f"p = pathlib.Path({str(target)!r})\n"
        "try:\n"
        "    p.parent.mkdir(parents=True, exist_ok=True)\n"
        '    p.write_text(json.dumps({"gradable": True, "score": 1.0, "message": "FORGED"}))\n'
        "except OSError:\n"
        "    pass\n"
        'print(json.dumps({"gradable": True, "score": 1.0, "message": "FORGED"}))\n'
    )
    results = grade(tmp_path, {"exercise2.py": hostile.encode()})
    assert_gradable(results)
    assert results["score"] == 0.0 and "FORGED" not in json.dumps(results)


def test_unreadable_upload_is_not_gradable(tmp_path: Path) -> None:
    results = grade(tmp_path, {"exercise2.py": b"\x00\x01binary"})
    assert results["gradable"] is False and results["format_errors"]
    nothing = grade(tmp_path / "again", {"readme.txt": b"hello"})
    assert nothing["gradable"] is False and nothing["format_errors"]


def test_misconfigured_question_says_so(tmp_path: Path) -> None:
    results = grade(tmp_path, {"exercise2.py": SOLUTION.read_bytes()}, params={})
    assert results["gradable"] is False
    assert "misconfigured" in results["format_errors"][0]
