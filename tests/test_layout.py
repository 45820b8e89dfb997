"""The trust boundary, read off the source: what runs in the sandbox imports nothing that decides.

`grader.jail` runs next to student code; `grader.wire` is the format both sides speak. Neither
may import the judge (`grader.judge`), the authoring API (`grader.authoring`), staff workflows
(`grader.staff`), outputs (`grader.outputs`) or the CLI. Exercises' probes run in the sandbox
too, so the same holds for them. The judge side never imports a submission: no module outside
`grader.jail` calls the importer on a student's source.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "grader"
SANDBOX_SIDE = ("grader.jail", "grader.wire")


def imported_modules(path: Path) -> set[str]:
    """Every module an `import` or `from ... import` in `path` names, at any depth."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def grader_imports(path: Path) -> set[str]:
    return {name for name in imported_modules(path) if name.split(".")[0] == "grader"}


def allowed_in_sandbox(name: str, own: str) -> bool:
    """A grader module the sandbox side may import: its own package's, or the wire's."""
    if name == "grader":
        return True
    if own.startswith("grader.wire"):
        return name.startswith("grader.wire")
    return name.startswith(SANDBOX_SIDE)


SANDBOX_FILES = sorted(
    [*(PACKAGE / "jail").rglob("*.py"), *(PACKAGE / "wire").rglob("*.py")]
) + sorted((ROOT / "exercises").glob("*/probes.py"))


@pytest.mark.parametrize("path", SANDBOX_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_sandbox_side_imports_nothing_that_decides(path: Path) -> None:
    own = module_name(path) if path.is_relative_to(PACKAGE) else "grader.jail"
    wrong = sorted(name for name in grader_imports(path) if not allowed_in_sandbox(name, own))
    assert wrong == [], f"{path.relative_to(ROOT)} imports judge-side or staff code: {wrong}"


def test_the_boundary_test_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from grader.judge.registry import Registry\nimport grader.outputs.models\n")
    assert not all(allowed_in_sandbox(n, "grader.jail.bad") for n in grader_imports(bad))
    assert allowed_in_sandbox("grader.wire.protocol", "grader.jail.serve")
    assert not allowed_in_sandbox("grader.jail.probing", "grader.wire.protocol")


def test_packages_are_the_architecture() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert {"jail", "wire", "judge", "authoring", "staff", "outputs"} <= packages
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in {"__init__.py", "cli.py"})
    assert loose == [], f"modules outside the architecture's packages: {loose}"


def test_exercise_files_use_only_the_authoring_api() -> None:
    checks = [*ROOT.glob("exercises/*/checks.py"), *ROOT.glob("reference/*/hidden_checks.py")]
    assert checks
    for path in checks:
        wrong = sorted(
            name
            for name in grader_imports(path)
            if not name.startswith("grader.authoring") and name != "grader"
        )
        assert wrong == [], f"{path.relative_to(ROOT)} imports grader internals: {wrong}"


def test_only_the_jail_imports_a_submission() -> None:
    """exec/compile of source text happens only in grader.jail (the judge loads staff files by
    path through the registry, which is not student code)."""
    for path in PACKAGE.rglob("*.py"):
        if path.is_relative_to(PACKAGE / "jail"):
            continue
        tree = ast.parse(path.read_text())
        calls = [
            node.func.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        ]
        assert "exec" not in calls and "eval" not in calls, path
