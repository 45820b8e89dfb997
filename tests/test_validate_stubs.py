"""`grade validate` accepts a stub only when every check finds the stub's NotImplementedError.

A stub that raises anything else (a ValueError, a RuntimeError saying "not implemented", a
TypeError from `raise NotImplemented`), returns a wrong value, fails at import or is empty is a
finding, through `validate_exercise` and through `grade validate`'s exit code. A tiny course in
tmp_path, graded in real sandboxes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.judge.registry import Registry
from grader.judge.sandbox import Engine
from grader.staff.validate import validate_exercise

CHECKS = '''
from grader.authoring.check import check
from grader.authoring.expect import expect_float


@check(points=2)
def doubles_three(sub):
    """double(3) is 6."""
    expect_float(sub.call("double", 3.0), 6.0)


@check(points=1)
def doubles_zero(sub):
    """double(0) is 0."""
    expect_float(sub.call("double", 0.0), 0.0)
'''
MUTANTS = {
    f"m{i}": (
        f"# misconception: adds instead of doubling ({i})\n# fails: doubles_three\n"
        f"def double(x):\n    return x + {i + 10}\n"
    )
    for i in range(4)
}
HONEST = "def double(x):\n    raise NotImplementedError('exercise7: double x')\n"


def course(tmp_path: Path, stub: str) -> Registry:
    folder = tmp_path / "exercises" / "exercise7"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'id = "exercise7"\ntitle = "doubling"\norder = 7\nfunctions = ["double"]\n'
    )
    (folder / "exercise7.py").write_text(stub)
    (folder / "checks.py").write_text(CHECKS)
    reference = tmp_path / "reference" / "exercise7"
    (reference / "mutants").mkdir(parents=True)
    (reference / "solution.py").write_text("def double(x):\n    return 2 * x\n")
    for name, text in MUTANTS.items():
        (reference / "mutants" / f"{name}.py").write_text(text)
    return Registry(tmp_path)


def stub_findings(engine: Engine, tmp_path: Path, stub: str) -> list[tuple[bool, str]]:
    findings = validate_exercise(engine, course(tmp_path, stub).get("exercise7"))
    others = [f for f in findings if f.role != "stub" and not f.ok]
    assert others == [], others  # the rest of the course is consistent
    return [(f.ok, f.detail) for f in findings if f.role == "stub"]


@pytest.mark.parametrize(
    "body",
    [
        "raise ValueError('todo')",
        "raise RuntimeError('not implemented yet')",
        "raise NotImplemented",  # a TypeError: NotImplemented is not an exception
        "raise Exception('NotImplementedError')",
        "return None",
        "return 0.0",
        "pass",
    ],
)
def test_a_stub_that_does_not_raise_not_implemented_error_is_a_finding(
    engine: Engine, tmp_path: Path, body: str
) -> None:
    ((ok, detail),) = stub_findings(engine, tmp_path, f"def double(x):\n    {body}\n")
    assert not ok and "doubles_three" in detail and "doubles_zero" in detail


def test_a_stub_that_fails_at_import_is_a_finding(engine: Engine, tmp_path: Path) -> None:
    ((ok, detail),) = stub_findings(engine, tmp_path, "raise ValueError('draft')\n" + HONEST)
    assert not ok and "error" in detail


def test_an_empty_stub_is_a_finding(engine: Engine, tmp_path: Path) -> None:
    ((ok, detail),) = stub_findings(engine, tmp_path, "\n")
    assert not ok and "empty" in detail


def test_only_some_checks_not_attempted_is_a_finding(engine: Engine, tmp_path: Path) -> None:
    stub = "def double(x):\n    if x == 0:\n        return 0.0\n    raise NotImplementedError\n"
    ((ok, detail),) = stub_findings(engine, tmp_path, stub)
    assert not ok and "doubles_zero" in detail and "doubles_three" not in detail


def test_the_honest_stub_passes(engine: Engine, tmp_path: Path) -> None:
    assert stub_findings(engine, tmp_path, HONEST) == [(True, "every check not_attempted")]


def test_grade_validate_exits_1_for_a_stub_raising_something_else(
    engine: Engine, tmp_path: Path
) -> None:
    course(tmp_path, "def double(x):\n    raise ValueError('todo')\n")
    result = CliRunner().invoke(app, ["validate", "exercise7", "--root", str(tmp_path)])
    assert result.exit_code == 1, result.output
    stub_line = next(line for line in result.output.splitlines() if " stub " in line)
    assert "✘" in stub_line and "exercise7.py" in stub_line


def test_grade_validate_exits_0_for_the_honest_stub(engine: Engine, tmp_path: Path) -> None:
    course(tmp_path, HONEST)
    result = CliRunner().invoke(app, ["validate", "exercise7", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
