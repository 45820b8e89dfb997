"""Tests for grader.platforms.gradescope: build the zip, lay it out as Gradescope does in a
temporary root, install it offline with its own setup.sh into a fresh venv, then run its
run_autograder on correct, wrong, hostile and garbage uploads and read results.json back."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from grader.platforms.gradescope import (
    CONFIG_NAME,
    ROOT_ENV,
    AutograderConfig,
    lay_out,
    markdown_text,
    read_lateness,
    read_submitter,
    run_autograder,
)

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "reference" / "exercise2" / "solution.py"
MUTANT = ROOT / "reference" / "exercise2" / "mutants" / "clamp_gradient.py"
STUB = ROOT / "exercises" / "exercise2" / "exercise2.py"
TEST_KEYS = {
    "name",
    "number",
    "score",
    "max_score",
    "status",
    "output",
    "output_format",
    "visibility",
    "tags",
}

pytestmark = pytest.mark.slow

HOSTILE = """
import json, os, pathlib, sys
forged = {"score": 1000, "tests": [], "output": "FORGED-MARK"}
for target in (pathlib.Path(RESULTS), pathlib.Path("/autograder/results/results.json")):
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(forged))
    except OSError:
        pass
print(json.dumps(forged))
sys.stdout.flush()
"""


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The zip for exercise2 and exercise3, installed into a venv by its own setup.sh."""
    work = tmp_path_factory.mktemp("gradescope")
    zip_path = work / "autograder.zip"
    built = subprocess.run(
        [sys.executable, "-m", "grader.cli", "gradescope", "exercise2", "exercise3"]
        + ["-o", str(zip_path), "--root", str(ROOT)],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    venv = work / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
        check=True,
    )
    layout = work / "layout"
    lay_out(zip_path, layout)
    env = {**os.environ, "PYTHON": str(venv / "bin" / "python"), "PIP_NO_INDEX": "1"}
    setup = subprocess.run(
        ["bash", str(layout / "source" / "setup.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return zip_path, venv


def run(autograder: tuple[Path, Path], tmp_path: Path, files: dict[str, bytes]) -> dict[str, Any]:
    zip_path, venv = autograder
    root = tmp_path / "autograder"
    lay_out(zip_path, root)
    for name, data in files.items():
        (root / "submission" / name).write_bytes(data)
    (root / "submission_metadata.json").write_text(
        json.dumps(
            {
                "created_at": "2026-12-02T10:00:00.000000-08:00",
                "assignment": {"due_date": "2026-12-01T23:59:00.000000-08:00"},
                "users": [{"name": "A Student", "email": "a@example.edu", "id": 1}],
            }
        )
    )
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update({ROOT_ENV: str(root), "PATH": f"{venv / 'bin'}:{env['PATH']}"})
    done = subprocess.run(
        [str(root / "run_autograder")], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    results: dict[str, Any] = json.loads((root / "results" / "results.json").read_text())
    return results


def assert_well_formed(results: dict[str, Any], *, sandboxed: bool = True) -> None:
    assert set(results) >= {"score", "execution_time", "output", "tests", "extra_data"}
    assert results["output_format"] == "md"
    assert results["stdout_visibility"] == "hidden"
    extra = results["extra_data"]
    assert extra["grader_version"] and set(extra["exercise_versions"]) == {
        "exercise2",
        "exercise3",
    }
    assert isinstance(extra["isolation"]["layers"], dict)
    assert bool(extra["isolation"]["layers"]) is sandboxed  # garbage never reaches a sandbox
    numbers = [test["number"] for test in results["tests"]]
    assert len(set(numbers)) == len(numbers)
    for test in results["tests"]:
        assert set(test) == TEST_KEYS
        assert test["status"] in ("passed", "failed")
        assert 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in ("visible", "after_published")
        assert test["output_format"] == "text"
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))


def test_installed_from_the_zips_own_wheel(autograder: tuple[Path, Path]) -> None:
    zip_path, venv = autograder
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
        setup = archive.read("setup.sh").decode()
    assert "torch==2.13.0" in setup and setup.index("torch==") < setup.index("grade-*.whl")
    assert any(name.startswith("grade-") and name.endswith(".whl") for name in names)
    assert "course/reference/exercise2/hidden_checks.py" in names
    assert not any("/mutants/" in name or "/alternatives/" in name for name in names)
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import grader; print(grader.__file__)"],
        capture_output=True,
        text=True,
        cwd="/",
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert str(venv) in where.stdout, where.stdout + where.stderr


def test_correct_upload_earns_full_marks_with_hidden_checks_after_publishing(
    autograder: tuple[Path, Path], tmp_path: Path
) -> None:
    results = run(autograder, tmp_path, {"exercise2.py": SOLUTION.read_bytes()})
    assert_well_formed(results)
    ex2 = [t for t in results["tests"] if t["tags"][0] == "exercise2"]
    assert all(t["status"] == "passed" for t in ex2)
    assert {t["visibility"] for t in ex2} == {"visible", "after_published"}
    ex3 = [t for t in results["tests"] if t["tags"][0] == "exercise3"]
    assert ex3 and all(t["score"] == 0 and "not_attempted" in t["tags"] for t in ex3)
    assert results["extra_data"]["late"] is True
    assert "late" in results["output"] and "no file for exercise3" in results["output"]


def test_wrong_upload_loses_points_with_feedback(
    autograder: tuple[Path, Path], tmp_path: Path
) -> None:
    results = run(autograder, tmp_path, {"exercise2.py": MUTANT.read_bytes()})
    assert_well_formed(results)
    failed = [t for t in results["tests"] if t["tags"][0] == "exercise2" and t["score"] == 0]
    assert failed and any(t["output"] for t in failed if t["visibility"] == "visible")


def test_hostile_upload_cannot_write_or_forge_the_results(
    autograder: tuple[Path, Path], tmp_path: Path
) -> None:
    results_path = tmp_path / "autograder" / "results" / "results.json"
    hostile = STUB.read_text() + f"\nRESULTS = {str(results_path)!r}\n" + HOSTILE
    results = run(autograder, tmp_path, {"exercise2.py": hostile.encode()})
    assert_well_formed(results)
    assert "FORGED-MARK" not in json.dumps(results)
    assert results["score"] == 0


def test_garbage_uploads_score_zero_without_a_crash(
    autograder: tuple[Path, Path], tmp_path: Path
) -> None:
    garbage = {
        "exercise2.py": b"\x00\x01\x02 not python",
        "exercise3.ipynb": b"{ this is not json",
        "notes.zip": b"PK\x03\x04 broken",
    }
    results = run(autograder, tmp_path, garbage)
    assert_well_formed(results, sandboxed=False)
    assert results["score"] == 0


def test_a_single_file_under_another_name_counts_for_a_one_exercise_assignment(
    tmp_path: Path,
) -> None:
    from grader.judge.registry import Registry
    from grader.platforms.upload import grade_upload

    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "my_relu.py").write_bytes(SOLUTION.read_bytes())
    graded = grade_upload(Registry(ROOT), ["exercise2"], upload)
    assert graded.found == ("exercise2",)
    assert graded.score == graded.max_score > 0
    assert any("my_relu.py" in note for note in graded.notes)


def test_lateness_from_metadata(tmp_path: Path) -> None:
    meta = tmp_path / "m.json"
    assert read_lateness(meta) == (None, "")
    meta.write_text('{"created_at": "2026-01-01T00:00:00+00:00", "assignment": {}}')
    late, note = read_lateness(meta)
    assert late is None and "unknown" in note
    meta.write_text(
        '{"created_at": "2026-01-01T00:00:00+00:00",'
        ' "assignment": {"due_date": "2026-01-02T00:00:00+00:00"}}'
    )
    assert read_lateness(meta) == (False, "")


def test_markdown_text_is_inert() -> None:
    shown = markdown_text("[click](http://x) <img src=x> **bold**\n# heading")
    assert "\n" not in shown
    assert re.search(r"(?<!\\)[\[\]<>*#()]", shown) is None, shown


POLICY = """
[late]
per_day = 0.25

[exercises.exercise2]
due = 2026-12-01T23:59:00-08:00
extensions = { "ext@example.edu" = 2 }
"""


def laid_out_by_hand(root: Path, email: str) -> Path:
    """An autograder root as the zip lays it out, with a course.toml, without building a wheel."""
    course = root / "source" / "course"
    shutil.copytree(ROOT / "exercises" / "exercise2", course / "exercises" / "exercise2")
    (course / "reference" / "exercise2").mkdir(parents=True)
    for name in ("solution.py", "hidden_checks.py"):
        shutil.copy(ROOT / "reference" / "exercise2" / name, course / "reference" / "exercise2")
    config = AutograderConfig(exercises=("exercise2",))
    (course / CONFIG_NAME).write_text(config.model_dump_json(), encoding="utf-8")
    (course / "course.toml").write_text(POLICY, encoding="utf-8")
    (root / "submission").mkdir()
    (root / "submission" / "exercise2.py").write_bytes(SOLUTION.read_bytes())
    metadata = {
        "created_at": "2026-12-02T10:00:00.000000-08:00",  # 10 h late: one day
        "assignment": {"due_date": "2026-12-01T23:59:00.000000-08:00"},
        "users": [{"name": "A Student", "email": email, "id": 1}],
    }
    (root / "submission_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    return root


def test_the_course_policy_applies_with_the_metadata_time_and_the_email_extension(
    tmp_path: Path,
) -> None:
    late = run_autograder(laid_out_by_hand(tmp_path / "late", "a@example.edu"))
    raw = late["extra_data"]["raw_score"]
    assert raw == sum(t["score"] for t in late["tests"]) and raw > 0
    assert late["score"] == pytest.approx(raw * 0.75), "one day late at 25% a day"
    assert "1 day late" in late["extra_data"]["policy"]["exercise2"]
    assert "after the late policy" in late["output"]
    extended = run_autograder(laid_out_by_hand(tmp_path / "extended", "ext@example.edu"))
    assert extended["score"] == extended["extra_data"]["raw_score"] == raw
    assert extended["extra_data"]["policy"] == {}


def test_the_submitter_is_read_from_the_metadata_or_unknown(tmp_path: Path) -> None:
    meta = tmp_path / "m.json"
    assert read_submitter(meta) == (None, "")
    meta.write_text('{"created_at": "2026-01-01T00:00:00", "users": []}')
    assert read_submitter(meta) == (None, ""), "a time without a zone is not guessed"
    meta.write_text('{"created_at": "2026-01-01T00:00:00+00:00", "users": [{"email": 3}]}')
    when, who = read_submitter(meta)
    assert when is not None and who == ""
