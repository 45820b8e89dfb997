"""The `grade gradebook` commands with a course policy, end to end through real sandboxes:
`grade batch` reads lateness from an nbgrader layout and a Canvas LATE name, applies
course.toml, `grade gradebook override` records a score a regrade keeps, and show/export/push
show the raw score beside the one that counts. Bad input is one line, exit 2."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from grader.cli import app

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = (ROOT / "reference" / "exercise2" / "solution.py").read_bytes()
REASON = "regrade request #4: timestamp was the LMS's outage"
COURSE = """
[late]
per_day = 0.25
max_days = 3

[exercises.exercise2]
due = 2026-03-02T23:59:00+01:00
extensions = { erin = 1 }
"""

pytestmark = pytest.mark.slow


def grade(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "100", "PYTHONPATH": str(ROOT)},
    )


def nbgrader(folder: Path, student: str, stamp: str) -> None:
    assignment = folder / student / "ps1"
    assignment.mkdir(parents=True)
    (assignment / "exercise2.py").write_bytes(SOLUTION)
    (assignment / "timestamp.txt").write_text(stamp + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("policy")
    course = work / "course"
    course.mkdir()
    for part in ("exercises", "reference"):
        (course / part).symlink_to(ROOT / part)
    (course / "course.toml").write_text(COURSE, encoding="utf-8")
    folder = work / "submitted"
    nbgrader(folder, "ada", "2026-03-04 12:00:00.000000 UTC")  # 2 days late: -50%
    nbgrader(folder, "bob", "2026-03-02 22:00:00 UTC")  # on time
    nbgrader(folder, "erin", "2026-03-03 20:00:00 UTC")  # late, but extended by a day
    (folder / "doe_jane_LATE_102_9002_exercise2.py").write_bytes(SOLUTION)  # no time: 1 day
    db = work / "grades.sqlite"
    done = grade(
        "batch", str(folder), "--db", str(db), "--root", str(course), "--json", "-j", "1",
        "--device", "cpu", cwd=work,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return {"work": work, "course": course, "folder": folder, "db": db, "batch": done.stdout}


def grades(batch_json: str) -> dict[str, tuple[float, float]]:
    batch = json.loads(batch_json)
    return {sub["student"]: (sub["score"], sub["raw_score"]) for sub in batch["submissions"]}


def test_the_batch_applies_course_policy_from_the_lms_lateness(term: dict[str, Any]) -> None:
    assert grades(term["batch"]) == {
        "102": (9.0, 12.0),
        "ada": (6.0, 12.0),
        "bob": (12.0, 12.0),
        "erin": (12.0, 12.0),
    }
    ada = next(s for s in json.loads(term["batch"])["submissions"] if s["student"] == "ada")
    (grade_,) = ada["grades"]
    assert grade_["submitted_at"] == "2026-03-04T12:00:00+00:00" and grade_["late_days"] == 2
    assert grade_["policy"] == "2 days late (due 2026-03-02 22:59 UTC): -50%"


def test_an_override_survives_a_regrade_and_every_view_shows_it(
    term: dict[str, Any], tmp_path: Path
) -> None:
    db, course, work = str(term["db"]), str(term["course"]), term["work"]
    done = grade("gradebook", "override", "ada", "exercise2", "--score", "11", "--reason", REASON,
                 "--db", db, cwd=work)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"ada exercise2 = 11 ({REASON})" in " ".join(done.stdout.split())
    regraded = grade(
        "batch", str(term["folder"]), "--db", db, "--root", course, "--json", "-j", "1",
        "--device", "cpu", "--regrade", cwd=work,
    )  # fmt: skip
    assert regraded.returncode == 0, regraded.stderr[-2000:]
    assert grades(regraded.stdout)["ada"] == (11.0, 12.0)
    shown = grade("gradebook", "show", db, "--root", course, cwd=work)
    assert shown.returncode == 0, shown.stderr
    flat = " ".join(shown.stdout.split())
    assert "Overrides (set by staff; a regrade keeps them)" in flat
    assert "ada │ exercise2 │ 12 │ 11 │" in flat and "regrade request #4" in flat
    as_json = grade("gradebook", "show", db, "--root", course, "--json", cwd=work)
    assert grades(as_json.stdout)["ada"] == (11.0, 12.0)
    exported = grade("gradebook", "export", db, "--root", course, "--csv", str(tmp_path / "g.csv"),
                     cwd=work)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    with (tmp_path / "g.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert (rows["ada"]["exercise2"], rows["ada"]["exercise2_raw"]) == ("11", "12")
    assert REASON in rows["ada"]["adjustments"] and "-50%" in rows["ada"]["adjustments"]
    assert (rows["102"]["exercise2"], rows["102"]["raw_total"]) == ("9", "12")
    pushed = grade("gradebook", "push", "canvas", "--url", "http://127.0.0.1:9", "--course", "1",
                   "--assignment", "2", "--exercise", "exercise2", "--db", db, "--root", course,
                   "--dry-run", cwd=work)  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    assert "would post 9/12 to Canvas user 102" in pushed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "exercise2", "--score", "1", "--reason", "r"], "no student 'nobody'"),
        (["ada", "exercise7", "--score", "1", "--reason", "r"], "no exercise 'exercise7'"),
        (
            ["ada", "exercise2", "--score", "13", "--reason", "r"],
            "score 13 is not between 0 and 12",
        ),
        (
            ["ada", "exercise2", "--score", "-1", "--reason", "r"],
            "score -1 is not between 0 and 12",
        ),
        (["ada", "exercise2", "--score", "1", "--reason", "  "], "an override needs a reason"),
    ],
)
def test_bad_overrides_are_one_line_and_change_nothing(
    term: dict[str, Any], args: list[str], message: str
) -> None:
    before = term["db"].read_bytes()
    done = CliRunner().invoke(app, ["gradebook", "override", *args, "--db", str(term["db"])])
    assert done.exit_code == 2, done.output
    assert message in done.output and len(done.output.strip().splitlines()) == 1
    assert "Traceback" not in done.output
    assert term["db"].read_bytes() == before


def test_a_bad_course_file_is_one_line_before_anything_is_graded(
    term: dict[str, Any], tmp_path: Path
) -> None:
    course = tmp_path / "course"
    course.mkdir()
    for part in ("exercises", "reference"):
        (course / part).symlink_to(ROOT / part)
    (course / "course.toml").write_text("[late]\nper_day = 2\n", encoding="utf-8")
    db = tmp_path / "fresh.sqlite"
    runner = CliRunner()
    for command in (
        ["batch", str(term["folder"]), "--db", str(db), "--root", str(course)],
        ["gradebook", "show", str(term["db"]), "--root", str(course)],
    ):
        done = runner.invoke(app, command, env={"COLUMNS": "400"})
        assert done.exit_code == 2, done.output
        lines = done.output.strip().splitlines()
        assert (
            len(lines) == 1 and "late.per_day: Input should be less than or equal to 1" in lines[0]
        )
    assert not db.exists()
