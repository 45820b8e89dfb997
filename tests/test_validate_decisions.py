"""`grade validate`'s decisions, on real result models: which results make a reference, a stub,
an alternative or a mutant a finding, and what each finding says.

`validate_exercise` grades each file with `run_exercise`; here the course's checks decide
without asking the sandbox (so every file gets the same result and no sandbox is started), which
pins the job list: which files are graded, in which order, under which role and file name, and
the course-level findings. The decisions themselves are made on `ExerciseResult`s as the judge
builds them. Cheap enough for every mutant of grader/staff/validate.py
(benchmarks/mutation.sh); tests/test_validate.py and tests/test_validate_stubs.py grade real
files in real sandboxes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.judge.registry import Exercise, Mutant, Registry
from grader.judge.sandbox import Engine
from grader.outputs.models import CheckResult, ExerciseResult, Verdict
from grader.staff.validate import Finding, _judge, validate_exercise

ENGINE = Engine("forkserver")  # never started: the checks here ask the sandbox nothing
CHECKS = '''
from grader.authoring.check import check, fail
from grader.authoring.expect import expect_float


@check(points=2)
def doubles(sub):
    """double(3) is 6."""
    if sub.device != DEVICE:
        fail(f"graded on {sub.device}, not {DEVICE}")
    expect_float(6.0, 6.0)


@check(points=1)
def halves(sub):
    """half(3) is 1.5."""
    expect_float(1.5, 1.5)
'''


def mutant_text(fails: str) -> str:
    return f"# misconception: adds\n# fails: {fails}\ndef double(x):\n    return x + 1\n"


def course(
    tmp_path: Path,
    *,
    solution: bool = True,
    mutants: int = 4,
    alternatives: dict[str, str] | None = None,
    stub: str = "def double(x):\n    raise NotImplementedError\n",
    device: str = "cpu",
) -> Exercise:
    folder = tmp_path / "exercises" / "exercise7"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'id = "exercise7"\ntitle = "doubling"\norder = 7\nfunctions = ["double"]\n'
    )
    (folder / "exercise7.py").write_text(stub)
    (folder / "checks.py").write_text(f"DEVICE = {device!r}\n" + CHECKS)
    reference = tmp_path / "reference" / "exercise7"
    (reference / "mutants").mkdir(parents=True)
    if solution:
        (reference / "solution.py").write_text("def double(x):\n    return 2 * x\n")
    for i in reversed(range(mutants)):  # written out of order: the jobs are sorted
        (reference / "mutants" / f"m{i}.py").write_text(mutant_text("doubles"))
    if alternatives:
        (reference / "alternatives").mkdir()
        for name, text in alternatives.items():
            (reference / "alternatives" / name).write_text(text)
    return Registry(tmp_path).get("exercise7")


# ---- the job list ----------------------------------------------------------------------------


def test_without_a_reference_nothing_is_graded(tmp_path: Path) -> None:
    seen: list[Finding] = []
    findings = validate_exercise(ENGINE, course(tmp_path, solution=False), on_result=seen.append)
    assert findings == [
        Finding("exercise7", "reference", "-", False, "no reference/solution.py", 0, 0)
    ]
    assert seen == []


def test_every_file_is_graded_in_order_under_its_role(tmp_path: Path) -> None:
    alternatives = {"b_loop.py": "def double(x):\n    return x + x\n", "a_mul.py": "x = 1\n"}
    exercise = course(tmp_path, alternatives=alternatives)
    seen: list[Finding] = []
    findings = validate_exercise(ENGINE, exercise, on_result=seen.append)
    reference = tmp_path / "reference" / "exercise7"
    assert [(f.role, f.path) for f in findings] == [
        ("reference", str(reference / "solution.py")),
        ("stub", str(tmp_path / "exercises" / "exercise7" / "exercise7.py")),
        ("alternative", str(reference / "alternatives" / "a_mul.py")),
        ("alternative", str(reference / "alternatives" / "b_loop.py")),
        *[("mutant", str(reference / "mutants" / f"m{i}.py")) for i in range(4)],
    ]
    assert seen == findings  # each reported as it is found
    assert all(f.exercise == "exercise7" and (f.score, f.max_score) == (3, 3) for f in findings)
    # the checks pass whatever the file: the reference and alternatives are fine, the rest not
    assert [f.ok for f in findings] == [True, False, True, True, False, False, False, False]
    assert findings[0].detail == "full marks"
    assert findings[1].detail == (
        "must raise NotImplementedError; doubles: passed (); halves: passed ()"
    )
    assert findings[4].detail == "passes ['doubles'], which it should fail; loses no points"


def test_each_file_is_graded_as_the_exercises_file(tmp_path: Path) -> None:
    exercise = course(tmp_path, alternatives={"empty.py": "\n"})
    findings = validate_exercise(ENGINE, exercise)
    (alternative,) = [f for f in findings if f.role == "alternative"]
    assert not alternative.ok and (alternative.score, alternative.max_score) == (0, 3)
    assert alternative.detail == (
        "doubles: not_attempted (exercise7.py is empty); halves: not_attempted (exercise7.py is "
        "empty)"
    )


def test_no_alternatives_folder_is_fine(tmp_path: Path) -> None:
    findings = validate_exercise(ENGINE, course(tmp_path))
    assert [f.role for f in findings] == ["reference", "stub"] + ["mutant"] * 4


@pytest.mark.parametrize("count", [0, 1, 3])
def test_fewer_than_four_mutants_is_a_finding(tmp_path: Path, count: int) -> None:
    findings = validate_exercise(ENGINE, course(tmp_path, mutants=count))
    assert [f.role for f in findings] == ["reference", "stub"] + ["mutant"] * (count + 1)
    assert findings[-1] == Finding(
        "exercise7", "mutant", "-", False, f"only {count} mutants (at least 4 needed)", 0, 0
    )


def test_four_mutants_are_enough(tmp_path: Path) -> None:
    findings = validate_exercise(ENGINE, course(tmp_path, mutants=4))
    assert not any("mutants (at least" in f.detail for f in findings)
    assert len(findings) == 6


def test_an_empty_stub_is_a_finding_whatever_it_scores(tmp_path: Path) -> None:
    findings = validate_exercise(ENGINE, course(tmp_path, stub="\n\n"))
    (stub,) = [f for f in findings if f.role == "stub"]
    assert (stub.ok, stub.detail) == (False, "the stub is empty: it must define every function")
    assert (stub.score, stub.max_score) == (0, 3)


# ---- the decisions, on results ---------------------------------------------------------------


def check(
    name: str,
    status: Verdict,
    max_score: float = 1,
    feedback: str = "",
    staff: str = "",
) -> CheckResult:
    score = max_score if status == "passed" else 0.0
    return CheckResult(
        name=name,
        status=status,
        score=score,
        max_score=max_score,
        feedback=feedback,
        staff_feedback=staff,
    )


def result(*checks: CheckResult) -> ExerciseResult:
    return ExerciseResult(
        exercise="exercise7",
        score=sum(c.score for c in checks),
        max_score=sum(c.max_score for c in checks),
        checks=list(checks),
    )


@pytest.fixture
def exercise(tmp_path: Path) -> Exercise:
    return course(tmp_path)


def judge(
    exercise: Exercise, role: str, graded: ExerciseResult, fails: tuple[str, ...] = ()
) -> tuple[bool, str]:
    path = exercise.stub if role == "stub" else exercise.folder / "some.py"
    mutant = Mutant(path, "adds", fails) if role == "mutant" else None
    found = _judge(exercise, role, path, graded, mutant)
    assert (found.exercise, found.role, found.path) == ("exercise7", role, str(path))
    assert (found.score, found.max_score) == (graded.score, graded.max_score)
    return found.ok, found.detail


@pytest.mark.parametrize("role", ["reference", "alternative", "stub", "mutant"])
def test_an_exercise_without_points_is_a_finding_for_every_role(
    exercise: Exercise, role: str
) -> None:
    empty = result()
    assert judge(exercise, role, empty) == (False, "the exercise has no checks")
    worthless = result(check("fact", "passed", max_score=0))
    assert judge(exercise, role, worthless) == (False, "the exercise has no checks")


@pytest.mark.parametrize("role", ["reference", "alternative"])
def test_a_reference_must_pass_every_check(exercise: Exercise, role: str) -> None:
    assert judge(exercise, role, result(check("a", "passed"), check("b", "passed"))) == (
        True,
        "full marks",
    )
    # a fact check that fails costs no points, but the reference must still pass it
    fact = check("fact", "failed", max_score=0, feedback="the hook stayed\nmore")
    assert judge(exercise, role, result(check("a", "passed"), fact)) == (
        False,
        "fact: failed (the hook stayed)",
    )


@pytest.mark.parametrize("role", ["reference", "alternative"])
def test_a_reference_finding_names_each_check_with_staffs_first_line(
    exercise: Exercise, role: str
) -> None:
    graded = result(
        check("a", "failed", feedback="expected 6\ngot 5"),
        check("b", "passed"),
        check("h", "timeout", feedback="a time limit was hit", staff="calling f() took 5 s\nx"),
        check("c", "error"),
    )
    assert judge(exercise, role, graded) == (
        False,
        "a: failed (expected 6); h: timeout (calling f() took 5 s); c: error ()",
    )


def test_a_stub_must_be_not_attempted_everywhere(exercise: Exercise) -> None:
    honest = result(check("a", "not_attempted"), check("b", "not_attempted", feedback="x"))
    assert judge(exercise, "stub", honest) == (True, "every check not_attempted")
    for status in ("passed", "failed", "error", "timeout", "memory", "crashed", "invalid"):
        graded = result(check("a", "not_attempted"), check("b", status, feedback="it\nraised"))
        assert judge(exercise, "stub", graded) == (
            False,
            f"must raise NotImplementedError; b: {status} (it)",
        )


def test_a_stub_finding_names_every_check_that_was_not_not_attempted(exercise: Exercise) -> None:
    graded = result(check("a", "error", feedback="ValueError: todo"), check("b", "failed"))
    assert judge(exercise, "stub", graded) == (
        False,
        "must raise NotImplementedError; a: error (ValueError: todo); b: failed ()",
    )


@pytest.mark.parametrize("text", ["", "  \n\t\n", "\ufeff\n"])
def test_a_stub_that_defines_nothing_is_a_finding(
    exercise: Exercise, tmp_path: Path, text: str
) -> None:
    exercise.stub.write_text(text, "utf-8")
    graded = result(check("a", "not_attempted"))
    assert judge(exercise, "stub", graded) == (
        False,
        "the stub is empty: it must define every function",
    )


def test_a_stub_that_is_not_utf8_is_read_not_refused(exercise: Exercise) -> None:
    exercise.stub.write_bytes(b"def double(x):  # caf\xe9\n    raise NotImplementedError\n")
    graded = result(check("a", "not_attempted"))
    assert judge(exercise, "stub", graded) == (True, "every check not_attempted")


def test_a_mutant_is_caught_when_its_checks_do_not_pass_and_it_loses_points(
    exercise: Exercise,
) -> None:
    graded = result(check("a", "failed"), check("b", "error"), check("c", "passed"))
    assert judge(exercise, "mutant", graded, ("a", "b")) == (True, "caught (a: failed, b: error)")


def test_a_mutant_that_passes_a_check_it_names_is_a_finding(exercise: Exercise) -> None:
    graded = result(check("a", "failed"), check("b", "passed"))
    assert judge(exercise, "mutant", graded, ("a", "b")) == (
        False,
        "passes ['b'], which it should fail",
    )


def test_a_mutant_naming_an_unknown_check_is_a_finding(exercise: Exercise) -> None:
    graded = result(check("a", "failed"), check("b", "passed"))
    assert judge(exercise, "mutant", graded, ("a", "zz", "yy")) == (
        False,
        "names unknown checks ['zz', 'yy']",
    )
    everything = result(check("a", "passed"), check("b", "passed"))
    assert judge(exercise, "mutant", everything, ("a", "zz")) == (
        False,
        "names unknown checks ['zz']; passes ['a'], which it should fail; loses no points",
    )


def test_a_mutant_must_lose_points(exercise: Exercise) -> None:
    everything = result(check("a", "passed", 2), check("c", "passed"))
    assert judge(exercise, "mutant", everything, ("c",)) == (
        False,
        "passes ['c'], which it should fail; loses no points",
    )
    lost = result(check("a", "passed"), check("c", "error"))
    assert judge(exercise, "mutant", lost, ("c",)) == (True, "caught (c: error)")


def test_a_mutant_of_facts_only_need_not_lose_points(exercise: Exercise) -> None:
    graded = result(check("a", "passed"), check("f", "failed", max_score=0))
    assert judge(exercise, "mutant", graded, ("f",)) == (True, "caught (f: failed)")
    kept = result(check("a", "passed"), check("f", "passed", max_score=0))
    assert judge(exercise, "mutant", kept, ("f",)) == (
        False,
        "passes ['f'], which it should fail",
    )
    # one named check worth points makes it an ordinary mutant: it must lose them
    mixed = result(check("a", "passed"), check("f", "passed", max_score=0))
    assert judge(exercise, "mutant", mixed, ("f", "a")) == (
        False,
        "passes ['f', 'a'], which it should fail; loses no points",
    )


def test_a_mutant_without_a_parsed_header_is_refused(exercise: Exercise) -> None:
    with pytest.raises(AssertionError) as refused:
        _judge(exercise, "mutant", exercise.stub, result(check("a", "failed")), None)
    assert str(refused.value) == "a mutant job carries its parsed header"


def test_files_are_graded_on_the_device_asked_for(tmp_path: Path) -> None:
    # the checks fail wherever they are not run on the course's device
    on_cpu = validate_exercise(ENGINE, course(tmp_path / "a"))
    assert on_cpu[0].detail == "full marks"
    elsewhere = validate_exercise(ENGINE, course(tmp_path / "b", device="cuda:0"), "cuda:0")
    assert elsewhere[0].detail == "full marks"
