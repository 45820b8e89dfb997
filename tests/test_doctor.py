"""`grade doctor` and staff grading that fails closed (grader/judge/doctor.py, the CLI's use).

Layers are switched off with GRADE_DISABLE_LAYERS, as on a machine that lacks them; every
command runs for real (probe children, sandboxes, batch workers), nothing is mocked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.jail.layers import NAMES
from grader.judge.doctor import examine, missing_layers, refusal, verdict
from grader.judge.sandbox import DISABLE_LAYERS_ENV

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [*args, "--root", str(ROOT)] if args[0] != "doctor" else ["doctor"])


def test_doctor_has_a_line_per_layer_of_the_table() -> None:
    lines = examine(disabled=())
    names = [line.name for line in lines]
    assert names[: len(NAMES)] == list(NAMES) and {"landlock_abi", "fork"} <= set(names)
    cgroups = next(line for line in lines if line.name == "cgroups")
    assert cgroups.works is not False  # joined a real cgroup, or optional and not offered here
    if cgroups.works is None:
        assert "optional, not on this machine" in cgroups.note and not cgroups.missing


def test_doctor_honours_disabled_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE_LAYERS_ENV, "seccomp,cgroups")
    lines = examine()
    assert {"cgroups", "seccomp"} <= set(missing_layers(lines))
    assert all(
        "disabled by the grader's settings" in line.note
        for line in lines
        if line.name in {"cgroups", "seccomp"}
    )
    assert verdict(lines).startswith("degraded isolation: missing")
    result = invoke("doctor")
    assert result.exit_code == 0, result.output
    assert "every required isolation layer is available" not in result.output
    assert "degraded isolation: missing" in result.output and "seccomp" in result.output
    assert "disabled" in result.output


def test_full_isolation_needs_no_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DISABLE_LAYERS_ENV, raising=False)
    lines = examine()
    if missing_layers(lines):
        pytest.skip(f"this machine lacks layers: {missing_layers(lines)}")
    assert refusal() is None and verdict(lines).startswith("every required isolation layer")


def test_validate_refuses_to_start_degraded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE_LAYERS_ENV, "ipc_namespace")
    result = invoke("validate", "exercise2")
    assert result.exit_code == 2
    assert "isolation layers missing: ipc_namespace" in result.stderr
    assert "--allow-degraded" in result.stderr and "✔" not in result.output  # nothing graded


@pytest.fixture
def one_student(tmp_path: Path) -> Path:
    student = tmp_path / "subs" / "alice"
    student.mkdir(parents=True)
    shutil.copy(ROOT / "reference" / "exercise2" / "solution.py", student / "exercise2.py")
    return tmp_path


def test_batch_refuses_to_start_degraded(
    monkeypatch: pytest.MonkeyPatch, one_student: Path
) -> None:
    monkeypatch.setenv(DISABLE_LAYERS_ENV, "seccomp")
    db = one_student / "book.sqlite"
    result = invoke("batch", str(one_student / "subs"), "--db", str(db), "--workers", "1")
    assert result.exit_code == 2
    assert "isolation layers missing: seccomp" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3  # one message (wrapped at 80 columns)
    assert not db.exists(), "a refused batch must not grade or record anything"


def test_allowed_degraded_batch_says_so_everywhere(
    monkeypatch: pytest.MonkeyPatch, one_student: Path
) -> None:
    monkeypatch.setenv(DISABLE_LAYERS_ENV, "seccomp")
    db, html = one_student / "book.sqlite", one_student / "report.html"
    args = ["batch", str(one_student / "subs"), "--db", str(db), "--workers", "1"]
    result = invoke(*args, "--allow-degraded", "--html", str(html))
    assert result.exit_code == 0, result.output
    assert "degraded isolation: 1 of 1 runs missing seccomp" in result.stdout
    assert "degraded isolation: 1 of 1 runs missing seccomp" in html.read_text()
    shown = invoke("gradebook", "show", str(db))
    assert "degraded isolation: 1 of 1 runs missing seccomp" in shown.stdout
    as_json = json.loads(invoke("gradebook", "show", str(db), "--json").stdout)
    isolation = as_json["submissions"][0]["exercises"][0]["isolation"]
    assert isolation["degraded"] and isolation["missing"] == ["seccomp"]


def test_a_students_own_grade_runs_degraded_with_its_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DISABLE_LAYERS_ENV, "seccomp")
    result = runner.invoke(app, ["exercise2", "--root", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "degraded isolation: missing seccomp" in result.stdout
