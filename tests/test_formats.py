"""The exports table (grader/outputs/formats.py) and the command-line options derived from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import grader.cli
from grader.cli import app, export_options
from grader.judge.registry import Registry
from grader.outputs.formats import EXPORTS, Course, Export, write_exports
from grader.outputs.models import BatchResult, CheckResult, ExerciseResult
from grader.staff.gradebook import Gradebook, content_hash

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def command(*path: str) -> Any:
    """The click command typer builds for `grade <path>`."""
    found: Any = typer.main.get_command(app)
    for name in path:
        found = found.commands[name]
    return found


@pytest.mark.parametrize("path", [("batch",), ("gradebook", "export")], ids=" ".join)
def test_every_export_is_an_option_of_every_command_that_writes_exports(
    path: tuple[str, ...],
) -> None:
    options = {
        opt: param.help for param in command(*path).params for opt in getattr(param, "opts", [])
    }
    for export in EXPORTS:
        assert options.get(f"--{export.name}") == export.help


def result(exercise: str, passed: bool) -> ExerciseResult:
    check = CheckResult(
        name="check_a",
        title="the check",
        status="passed" if passed else "failed",
        score=1.0 if passed else 0.0,
        max_score=1.0,
        feedback="" if passed else "expected 1, got 2",
    )
    return ExerciseResult(exercise=exercise, score=check.score, max_score=1.0, checks=[check])


@pytest.fixture
def gradebook(tmp_path: Path) -> Path:
    db = tmp_path / "grades.sqlite"
    with Gradebook(db) as book:
        for student, passed in (("ada", True), ("bob", False)):
            book.record(
                student,
                result("exercise2", passed),
                content_hash=content_hash(student.encode()),
                exercise_version="2",
            )
    return db


@pytest.mark.parametrize("export", EXPORTS, ids=lambda e: e.name)
def test_gradebook_export_writes_what_the_tables_writer_writes(
    gradebook: Path, tmp_path: Path, export: Export
) -> None:
    via_cli = tmp_path / f"cli-{export.name}"
    done = runner.invoke(
        app,
        [
            "gradebook",
            "export",
            str(gradebook),
            "--root",
            str(ROOT),
            f"--{export.name}",
            str(via_cli),
        ],
    )
    assert done.exit_code == 0, done.output
    with Gradebook(gradebook) as book:
        batch = book.latest()
    registry = Registry(ROOT)
    direct = tmp_path / f"direct-{export.name}"
    titles = {e.id: e.meta.title for e in registry.exercises()}
    export.write(batch, Course(registry.ids(), titles), direct)
    assert files(via_cli) == files(direct) != {}


def files(path: Path) -> dict[str, bytes]:
    """A written export: one file, or a folder of files, by relative name."""
    if path.is_file():
        return {"": path.read_bytes()}
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def test_gradebook_export_without_an_export_names_them_all(gradebook: Path) -> None:
    done = runner.invoke(app, ["gradebook", "export", str(gradebook), "--root", str(ROOT)])
    assert done.exit_code == 2
    for export in EXPORTS:
        assert f"--{export.name}" in done.output


def test_an_export_added_to_the_table_becomes_an_option(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The one place to edit: an Export in the table is an option of a decorated command, and
    the command receives its path by the export's name."""
    written: list[tuple[str, Path]] = []

    def marks(batch: BatchResult, course: Course, path: Path) -> None:
        written.append(("marks", path))

    monkeypatch.setattr(grader.cli, "EXPORTS", (*EXPORTS, Export("marks", "Write marks.", marks)))
    received: list[dict[str, Path]] = []
    small = typer.Typer()

    @small.command()
    @export_options
    def go(exports: dict[str, Path] | None = None, loud: bool = False) -> None:
        assert exports is not None
        received.append(exports)

    done = runner.invoke(small, ["--marks", str(tmp_path / "m.txt"), "--csv", "c.csv", "--loud"])
    assert done.exit_code == 0, done.output
    assert received == [{"marks": tmp_path / "m.txt", "csv": Path("c.csv")}]
    assert "Write marks." in runner.invoke(small, ["--help"]).output


def test_a_command_without_an_exports_parameter_is_refused() -> None:
    def plain(loud: bool = False) -> None:
        pass

    with pytest.raises(TypeError):
        export_options(plain)


def test_write_exports_refuses_an_unknown_export(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="no such export"):
        write_exports(BatchResult(submissions=[]), Course([], {}), {"pdf": tmp_path / "x.pdf"})
