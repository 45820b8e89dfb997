"""The command line, through typer's CliRunner and through the installed `grade` script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.judge.registry import Registry
from tests.notebooks import solution_notebook, write_notebook

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


# --- the student's loop: notebooks, help, errors (issue 12) ----------------------------------


def course_copy(tmp_path: Path) -> Path:
    """A course folder of our own (exercises and reference), to write a student's notebook in."""
    root = tmp_path / "course"
    for name in ("exercises", "reference"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def scored(data: dict) -> tuple[float, float, list[tuple[str, str]]]:
    return data["score"], data["max_score"], [(c["name"], c["status"]) for c in data["checks"]]


def test_a_notebook_earns_the_same_score_by_every_route(tmp_path: Path) -> None:
    """The solution over several cells (`from __future__` not first, a magic) earns full marks
    through --file, `grade exercise2`, `grader.check()` and `grade batch`, check by check."""
    import grader

    root = course_copy(tmp_path)
    notebook = solution_notebook(root / "exercises/exercise2/exercise2.ipynb", "exercise2")
    by_file = runner.invoke(app, ["exercise2", "--file", str(notebook), "--json"])
    assert by_file.exit_code == 0, by_file.output
    plain = runner.invoke(app, ["exercise2", "--root", str(root), "--json"])
    assert plain.exit_code == 0, plain.output
    in_kernel = grader.check("exercise2", notebook, display=False)
    (tmp_path / "subs" / "frank").mkdir(parents=True)
    shutil.copy(notebook, tmp_path / "subs" / "frank" / "exercise2.ipynb")
    batch = invoke("batch", str(tmp_path / "subs"), "--db", str(tmp_path / "b.sqlite"), "--json")
    assert batch.exit_code == 0, batch.output
    graded = json.loads(batch.stdout)["submissions"][0]["exercises"][0]
    expected = scored(json.loads(by_file.stdout))
    assert expected[0] == expected[1] == 12
    assert scored(json.loads(plain.stdout)) == expected
    assert scored(in_kernel.model_dump()) == expected
    assert scored(graded) == expected


def test_when_both_files_exist_the_newer_is_graded_and_named(tmp_path: Path) -> None:
    root = course_copy(tmp_path)
    folder = root / "exercises/exercise2"
    solution_notebook(folder / "exercise2.ipynb", "exercise2")
    os.utime(folder / "exercise2.py", (1_000_000_000, 1_000_000_000))
    result = runner.invoke(app, ["exercise2", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert "graded exercise2.ipynb, saved after exercise2.py" in result.stdout
    assert "Total: 12 / 12" in result.stdout
    os.utime(folder / "exercise2.ipynb", (900_000_000, 900_000_000))
    stub = json.loads(runner.invoke(app, ["exercise2", "--root", str(root), "--json"]).stdout)
    assert stub["score"] == 0  # the .py (the stub) is now the newer one


def test_notebook_tracebacks_name_the_cell_and_its_line(tmp_path: Path) -> None:
    source = (ROOT / "reference/exercise2/solution.py").read_text()
    broken = source.replace(
        "        (x,) = ctx.saved_tensors\n",
        "        (x,) = ctx.saved_tensors\n        raise ValueError('boom')\n",
    )
    notebook = write_notebook(tmp_path / "mine.ipynb", broken)
    data = json.loads(invoke("exercise2", "--file", str(notebook), "--json").stdout)
    cells = [c for c in nbformat.read(notebook, as_version=4).cells]
    number, cell = next((i, c) for i, c in enumerate(cells, 1) if "boom" in c.source)
    line = cell.source.splitlines().index("        raise ValueError('boom')") + 1
    backward = next(c for c in data["checks"] if c["name"] == "backward_multiplies_upstream")
    assert backward["status"] == "error"
    assert f'File "mine.ipynb", cell {number}, line {line}, in backward' in backward["feedback"]


def test_help_shows_how_to_grade_an_exercise_first_and_no_placeholders() -> None:
    result = runner.invoke(app, ["--help"], prog_name="grade")
    assert result.exit_code == 0
    usage = next(line for line in result.stdout.splitlines() if "Usage:" in line)
    assert "grade [OPTIONS] EXERCISE" in usage
    assert "grade exercise2" in result.stdout and "grader.check" in result.stdout
    for args in (["--help"], ["exercise2", "--help"], ["batch", "--help"]):
        assert "<bool>" not in runner.invoke(app, args).stdout
    assert "--watch" in runner.invoke(app, ["exercise2", "--help"]).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["exercse2"], "unknown exercise 'exercse2'; did you mean exercise2"),
        (["2"], "unknown exercise '2'; did you mean exercise2"),
        (["exercise2", "--file", "."], "is a folder; give a .py file or a .ipynb notebook"),
        (["exercise2", "--file", "README.md"], "is not a Python file or a notebook"),
    ],
)
def test_student_mistakes_get_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert result.output.count("error:") == 1


def test_a_near_miss_of_a_command_is_suggested() -> None:
    result = runner.invoke(app, ["bacth", "subs"])
    assert result.exit_code == 2 and "did you mean 'batch'?" in result.output


def test_list_shows_the_points_the_report_counts(registry: Registry) -> None:
    result = invoke("list")
    row = next(line for line in result.stdout.splitlines() if "exercise2 " in line)
    cells = [cell.strip() for cell in row.split("│") if cell.strip()]
    assert cells[-3:] == ["12", "8", "4"]
    data = json.loads(invoke("exercise2", "--json").stdout)
    assert data["max_score"] == 12  # what the report totals


def test_nothing_is_left_running_after_grade(tmp_path: Path) -> None:
    """`grade exercise2` in a session of its own: once it exits, no process of its session
    (the zygote included) and no sandbox is left."""
    proc = subprocess.Popen(
        ["grade", "exercise2", "--root", str(ROOT), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert json.loads(out)["exercise"] == "exercise2"
    assert left_in_session(proc.pid) == []


def left_in_session(sid: int) -> list[str]:
    """Live processes whose session or process group is `sid` (zombies do not count)."""
    left = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if sid in (int(stat[2]), int(stat[3])) and stat[0] not in ("Z", "X"):
            left.append(f"{entry.name}: {(entry / 'cmdline').read_bytes()[:80]!r}")
    return left


def test_without_fork_the_spawn_engine_runs_and_names_missing_layers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A platform without fork (forced here) grades with the spawn engine; a platform without
    namespaces (forced by GRADE_DISABLE_LAYERS) says which layers are missing."""
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setenv("GRADE_DISABLE_LAYERS", "pid_namespace,network_namespace")
    solution = str(ROOT / "reference/exercise2/solution.py")
    data = json.loads(invoke("exercise2", "--file", solution, "--json").stdout)
    assert data["isolation"]["engine"] == "spawn"
    assert not data["isolation"]["layers"].get("pid_namespace", True)
    report = invoke("exercise2", "--file", solution)
    assert "degraded isolation: missing" in report.stdout
    assert "network_namespace" in report.stdout and "pid_namespace" in report.stdout


@pytest.mark.parametrize(
    ("code", "status", "stderr"),
    [("None", 0, ""), ("3", 3, ""), ("-1", 255, ""), ("'a message'", 1, "a message")],
)
def test_exit_now_ends_as_sys_exit_would_after_atexit_and_the_flush(
    code: str, status: int, stderr: str, tmp_path: Path
) -> None:
    """The command ends without tearing the interpreter down, but an atexit handler still
    runs, a temporary folder's finalizer still removes it, and buffered output still arrives."""
    program = (
        "import atexit, sys, tempfile\n"
        "from grader.cli import exit_now\n"
        "atexit.register(lambda: print('handler ran'))\n"
        f"kept = tempfile.TemporaryDirectory(dir={str(tmp_path)!r})\n"
        "print('buffered', end='')\n"
        f"exit_now({code})\n"
        "print('never')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == status
    assert done.stdout == "bufferedhandler ran\n"
    assert done.stderr.strip() == stderr
    assert list(tmp_path.iterdir()) == [], "the temporary folder's finalizer did not run"
