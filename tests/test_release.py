"""The student handout: everything public, nothing of the staff's."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.judge.registry import Registry
from grader.staff.release import ReleaseError, write_handout

ROOT = Path(__file__).resolve().parent.parent


def staff_only_lines(registry: Registry) -> set[str]:
    """Lines of reference solutions and hidden checks that no public course file contains."""
    public: set[str] = set()
    for path in [*(ROOT / "exercises").rglob("*"), *(ROOT / "grader").rglob("*.py")]:
        if path.is_file() and path.suffix in (".py", ".md", ".toml"):
            public.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    staff: set[str] = set()
    for exercise in registry.exercises():
        for path in (exercise.solution, exercise.hidden_checks_path):
            if path is not None:
                staff.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in staff - public if len(line) > 3}


@pytest.fixture(scope="module")
def handout(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Path:
    out = tmp_path_factory.mktemp("handout") / "course"
    write_handout(registry, out)
    return out


def test_handout_has_the_public_material(handout: Path, registry: Registry) -> None:
    assert (handout / "grader" / "cli.py").is_file() and (handout / "pyproject.toml").is_file()
    for exercise in registry.exercises():
        folder = handout / "exercises" / exercise.id
        assert (folder / f"{exercise.id}.py").is_file() and (folder / "README.md").is_file()
        assert (folder / "checks.py").is_file()


def test_handout_has_no_staff_folders(handout: Path) -> None:
    names = {p.name for p in handout.rglob("*")}
    assert not (handout / "reference").exists() and not (handout / "submissions").exists()
    assert not (handout / "tests").exists() and not (handout / ".ci").exists()
    assert "hidden_checks.py" not in names and "solution.py" not in names and "mutants" not in names


def test_no_line_of_staff_material_appears_in_the_handout(
    handout: Path, registry: Registry
) -> None:
    secret = staff_only_lines(registry)
    assert len(secret) > 100  # the comparison has teeth
    for path in handout.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            lines = {line.strip() for line in text.splitlines()}
            leaked = lines & secret
            assert not leaked, f"{path} contains staff lines: {sorted(leaked)[:3]}"


def test_hidden_summary_gives_count_and_points_only(handout: Path, registry: Registry) -> None:
    exercise = registry.get("exercise5")
    data = json.loads((handout / "exercises" / "exercise5" / "hidden.json").read_text())
    assert data == {
        "count": len(exercise.hidden_checks),
        "points": sum(spec.points for spec in exercise.hidden_checks),
    }


def test_student_grading_in_the_handout_announces_hidden_checks(handout: Path) -> None:
    result = CliRunner().invoke(app, ["exercise5", "--root", str(handout), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert not any(check["hidden"] for check in data["checks"])
    assert data["hidden_pending"] > 0 and data["hidden_pending_points"] > 0
    report = CliRunner().invoke(app, ["exercise5", "--root", str(handout)])
    assert "hidden check(s)" in report.stdout and "will run when staff grade" in report.stdout


def test_release_refuses_a_non_empty_folder(tmp_path: Path, registry: Registry) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ReleaseError):
        write_handout(registry, tmp_path)
    result = CliRunner().invoke(app, ["release", str(tmp_path), "--root", str(ROOT)])
    assert result.exit_code == 2


def test_each_stub_ships_as_a_notebook(handout: Path, registry: Registry) -> None:
    for exercise in registry.exercises():
        path = handout / "exercises" / exercise.id / f"{exercise.id}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        kinds = [cell.cell_type for cell in notebook.cells]
        assert kinds[0] == "markdown" and kinds[-1] == "code" and kinds.count("code") == 2
        readme = (exercise.folder / "README.md").read_text(encoding="utf-8")
        assert notebook.cells[0].source.splitlines()[0] == readme.splitlines()[0]
        code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        assert code[0] == exercise.stub.read_text(encoding="utf-8").rstrip("\n")
        assert code[1] == f"import grader\n\ngrader.check({exercise.id!r})"


def test_the_handout_notebook_grades_as_not_attempted(handout: Path) -> None:
    """The stub in a notebook compiles (its `from __future__` is hoisted, the check cell is
    left out): every check is not_attempted, none an error."""
    notebook = handout / "exercises" / "exercise2" / "exercise2.ipynb"
    result = CliRunner().invoke(
        app, ["exercise2", "--root", str(handout), "--file", str(notebook), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {check["status"] for check in data["checks"]} == {"not_attempted"}


def test_student_readme_installs_cpu_torch_first_and_explains_grading(handout: Path) -> None:
    readme = (handout / "README.md").read_text(encoding="utf-8")
    commands = [line.strip() for line in readme.splitlines() if line.strip().startswith("pip ")]
    cpu = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
    assert commands[0] == cpu  # the CPU build, every platform (on Linux PyPI's is CUDA)
    assert commands[1] == "pip install -e ."
    assert "--index-url https://download.pytorch.org/whl/cu" in commands[2]  # the CUDA one
    assert "pip install torch -e ." not in readme
    for heading in ("## Grade in a terminal", "## Grade in Jupyter", "## Hidden checks"):
        assert heading in readme
    assert "grader.check('exercise2')" in readme and "grade exercise2 --watch" in readme
    assert "| exercise2 | ReLU and its derivative: a custom autograd Function | 12 |" in readme
