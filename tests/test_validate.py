"""`grade validate` catches an inconsistent course: a tiny course built in tmp_path."""

from __future__ import annotations

from pathlib import Path

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


def course(
    tmp_path: Path, mutants: dict[str, str], stub_body: str = "raise NotImplementedError"
) -> Registry:
    folder = tmp_path / "exercises" / "exercise7"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'id = "exercise7"\ntitle = "doubling"\norder = 7\nfunctions = ["double"]\n'
    )
    (folder / "exercise7.py").write_text(f"def double(x):\n    {stub_body}\n")
    (folder / "checks.py").write_text(CHECKS)
    reference = tmp_path / "reference" / "exercise7"
    (reference / "mutants").mkdir(parents=True)
    (reference / "solution.py").write_text("def double(x):\n    return 2 * x\n")
    for name, text in mutants.items():
        (reference / "mutants" / f"{name}.py").write_text(text)
    return Registry(tmp_path)


GOOD_MUTANTS = {
    f"m{i}": (
        f"# misconception: adds instead of doubling ({i})\n# fails: doubles_three\n"
        f"def double(x):\n    return x + {i + 10}\n"
    )
    for i in range(4)
}


def test_a_consistent_course_validates(engine: Engine, tmp_path: Path) -> None:
    registry = course(tmp_path, GOOD_MUTANTS)
    findings = validate_exercise(engine, registry.get("exercise7"))
    assert all(f.ok for f in findings), [f.detail for f in findings if not f.ok]
    assert {f.role for f in findings} == {"reference", "stub", "mutant"}


def test_a_mutant_that_passes_its_named_check_is_reported(engine: Engine, tmp_path: Path) -> None:
    sneaky = (
        "# misconception: wrong at zero only\n# fails: doubles_three\n"
        "def double(x):\n    return 2 * x + (x == 0)\n"
    )
    registry = course(tmp_path, {**GOOD_MUTANTS, "sneaky": sneaky})
    bad = [f for f in validate_exercise(engine, registry.get("exercise7")) if not f.ok]
    assert len(bad) == 1 and "passes ['doubles_three']" in bad[0].detail


def test_a_stub_that_scores_is_reported(engine: Engine, tmp_path: Path) -> None:
    registry = course(tmp_path, GOOD_MUTANTS, stub_body="return 2 * x")
    bad = [f for f in validate_exercise(engine, registry.get("exercise7")) if not f.ok]
    assert [f.role for f in bad] == ["stub"]


def test_too_few_mutants_is_reported(engine: Engine, tmp_path: Path) -> None:
    registry = course(tmp_path, {"m0": GOOD_MUTANTS["m0"]})
    bad = [f for f in validate_exercise(engine, registry.get("exercise7")) if not f.ok]
    assert len(bad) == 1 and "at least 4" in bad[0].detail
