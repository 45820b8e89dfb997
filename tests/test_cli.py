"""The command line, through typer's CliRunner and through the installed `grade` script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(
        app, [*args, "--root", str(ROOT)] if args and args[0] != "--help" else list(args)
    )


def test_json_contract_for_the_reference() -> None:
    result = invoke("exercise2", "--file", str(ROOT / "reference/exercise2/solution.py"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["exercise"] == "exercise2" and data["score"] == data["max_score"] > 0
    for check in data["checks"]:
        assert {"name", "status", "score", "max_score", "hidden", "feedback"} <= set(check)
    assert "layers" in data["isolation"]


def test_stub_scores_zero_with_exit_code_zero() -> None:
    result = invoke("exercise2", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["score"] == 0 and {c["status"] for c in data["checks"]} == {"not_attempted"}


def test_student_prints_never_reach_json_stdout(tmp_path: Path) -> None:
    forged = tmp_path / "exercise2.py"
    forged.write_text(
        'import sys\nprint(\'{"score": 100}\')\nsys.stderr.write("all passed")\n'
        + (ROOT / "exercises/exercise2/exercise2.py").read_text()
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader.cli",
            "exercise2",
            "--file",
            str(forged),
            "--json",
            "--root",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    data = json.loads(result.stdout)
    assert data["score"] == 0


def test_report_shows_checks_and_total() -> None:
    result = invoke("exercise2", "--file", str(ROOT / "reference/exercise2/mutants/ge_mask.py"))
    assert result.exit_code == 0
    assert "Total:" in result.stdout and "relu'(0) = 0" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["exercise99"], "unknown exercise"),
        (["exercise2", "--file", "/no/such/file.py"], "no such file"),
        (["exercise2", "--device", "cuda"], "no CUDA"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    import torch

    if "cuda" in args and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_list_shows_exercises_in_order() -> None:
    result = invoke("list")
    assert result.exit_code == 0 and "exercise2" in result.stdout


def test_validate_one_exercise() -> None:
    result = invoke("validate", "exercise2")
    assert result.exit_code == 0, result.stdout
    assert "validations passed" in result.stdout


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("batch", "validate", "list"):
        assert command in result.stdout


def test_spawn_engine_gives_the_same_grade() -> None:
    solution = str(ROOT / "reference/exercise2/solution.py")
    fork = json.loads(invoke("exercise2", "--file", solution, "--json").stdout)
    spawn = json.loads(
        invoke("exercise2", "--file", solution, "--json", "--engine", "spawn").stdout
    )
    assert spawn["isolation"]["engine"] == "spawn" and fork["isolation"]["engine"] == "forkserver"
    assert [c["status"] for c in spawn["checks"]] == [c["status"] for c in fork["checks"]]
    assert spawn["score"] == fork["score"] == fork["max_score"]


def test_batch_limit_overrides_apply_to_every_exercise(tmp_path: Path) -> None:
    student = tmp_path / "subs" / "looper"
    student.mkdir(parents=True)
    (student / "exercise2.py").write_text("def relu(x):\n    while True:\n        pass\n")
    args = [
        "batch",
        str(tmp_path / "subs"),
        "--db",
        str(tmp_path / "book.sqlite"),
        "--json",
        "--workers",
        "1",
        "--call-timeout",
        "0.5",
        "--total-timeout",
        "2",
    ]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    checks = json.loads(result.stdout)["submissions"][0]["exercises"][0]["checks"]
    assert {c["status"] for c in checks} == {"timeout"}
    assert any("0.5 s" in c["feedback"] for c in checks)
