"""Fail-closed grading over the whole course: answers made of NaN never earn value points.

For every exercise in the registry, the reference solution is "poisoned": every function the
student implements (`functions` in exercise.toml) keeps its type and shape but returns NaN
wherever a number is due (NaN floats, NaN-filled tensors, NaN losses, models whose parameters
are NaN, functions that return NaN). Graded through real sandboxes, no check that compares a
value may pass, and the exercise scores at most half marks (what is left is FACT_CHECKS, checks
of how an answer was computed, each listed with its reason).

Two static rules keep it so for new exercises: an AST scan refuses raw tolerance comparisons
(`err >= tol`, `abs(got - expected) > tol`, `relative_error(...) > ...`, `torch.allclose`) and
`assert` statements in every checks.py and hidden_checks.py; and the judge refuses to run under
`python -O`, where an `assert` would vanish.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.judge.registry import Exercise, Registry
from grader.judge.sandbox import Engine
from grader.judge.scoring import Source, run_exercise
from grader.outputs.models import ExerciseResult

ROOT = Path(__file__).resolve().parent.parent

# Appended to a solution: rebinds each name in _POISONED to a version of itself that returns
# NaN (of the right type and shape) wherever the original returns a number.
POISON = """

# ---- poisoned by tests/test_fail_closed.py ----
import functools as _functools

import torch as _torch


def _nan_module(module):
    with _torch.no_grad():
        for parameter in module.parameters():
            if parameter.is_floating_point():
                parameter.fill_(float("nan"))
    return module


def _nan_attributes(obj):
    with _torch.no_grad():
        for value in vars(obj).values():
            if isinstance(value, _torch.Tensor) and value.is_floating_point():
                value.fill_(float("nan"))


def _poison(value):
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return float("nan")
    if isinstance(value, _torch.Tensor):
        return value * float("nan") if value.is_floating_point() else value
    if isinstance(value, _torch.nn.Module):
        value.forward = _poison_function(value.forward)  # NaN out, whatever weights it gets
        return _nan_module(value)
    if isinstance(value, tuple):
        return tuple(_poison(item) for item in value)
    if isinstance(value, list):
        value[:] = [_poison(item) for item in value]  # keep the object: hooks append to it
        return value
    if isinstance(value, dict):
        return {key: _poison(item) for key, item in value.items()}
    if callable(value) and not isinstance(value, type):
        return _poison_function(value)
    return value


def _poison_function(function):
    @_functools.wraps(function)
    def poisoned(*args, **kwargs):
        result = function(*args, **kwargs)
        for arg in (*args, *kwargs.values()):
            if isinstance(arg, _torch.nn.Module):
                _nan_module(arg)  # the model it trained or hooked ends with NaN weights
        return _poison(result)

    return poisoned


def _poison_class(cls):
    if issubclass(cls, _torch.autograd.Function):
        forward, backward = cls.forward, cls.backward
        namespace = {
            "forward": staticmethod(lambda ctx, *a, **k: _poison(forward(ctx, *a, **k))),
            "backward": staticmethod(lambda ctx, *a: _poison(backward(ctx, *a))),
        }
        return type(cls.__name__, (cls,), namespace)
    methods = {
        name: _poison_function(value)
        for name, value in vars(cls).items()
        if callable(value) and not name.startswith("_")
    }

    def __init__(self, *args, **kwargs):
        cls.__init__(self, *args, **kwargs)
        if isinstance(self, _torch.nn.Module):
            _nan_module(self)
        _nan_attributes(self)

    return type(cls.__name__, (cls,), {**methods, "__init__": __init__})


for _name in _POISONED:
    _value = globals()[_name]
    globals()[_name] = _poison_class(_value) if isinstance(_value, type) else _poison(_value)
"""

# Checks that judge no value the submission computes (how it computed, not what): a NaN answer
# may pass them. Each one here was read and its reason written down; any other check passing
# on NaN answers is a fail-open comparison.
FACT_CHECKS: dict[str, dict[str, str]] = {
    "exercise1": {
        "autograd_uses_grad": "counts autograd.grad / backward calls",
        "manual_uses_no_autograd": "counts backward passes",
    },
    "exercise2": {"grad_output_left_unchanged": "grad_output is the judge's, unchanged by NaN"},
    "exercise4": {
        "grad_tuple_one_backward_pass": "counts backward passes",
        "hooks_removed_afterwards": "counts hooks left registered",
    },
    "exercise5": {
        "manual_uses_no_autograd": "counts backward passes",
        "autograd_runs_backward": "counts backward passes",
    },
    "exercise6": {
        "grad_W1_shape": "the shape of the answer only",
        "computed_by_hand": "counts autograd use",
    },
    "exercise7": {
        "output_shapes": "shapes only",
        "registered_parameters": "parameter shapes and count",
        "hidden_parameters_other_sizes": "parameter shapes and count",
    },
    "exercise8": {
        "sequential_layout": "layer kinds and weight shapes",
        "activation_is_detached": "requires_grad of the stored tensors",
        "nothing_captured_after_remove": "how many tensors were stored",
    },
    "exercise10": {
        "train_autograd_keeps_leaf_parameters": "is_leaf / grad_fn / requires_grad",
        "losses_are_python_floats": "the type of the returned losses (the values: curve checks)",
    },
    "exercise11": {
        "each_step_uses_fresh_gradients": "counts steps and stale gradients",
        "train_mode_during_training": "the training flag of each forward pass",
        "evaluate_in_eval_mode": "the training flag of each forward pass",
        "evaluate_builds_no_graph": "grad mode of each forward pass",
        "moves_each_batch_to_the_device": "devices only",
        "hidden_train_after_evaluate": "the training flag of each forward pass",
    },
    "exercise12": {
        "features_moved_to_device": "devices only",
        "targets_moved_to_device": "devices only",
        "parameters_end_on_device": "devices only",
        "hidden_integer_targets_moved_to_device": "devices only",
    },
}


def poisoned_source(exercise: Exercise) -> bytes:
    assert exercise.solution is not None
    names = list(exercise.meta.functions)
    text = exercise.solution.read_text(encoding="utf-8")
    return (text + f"\n_POISONED = {names!r}\n" + POISON).encode("utf-8")


def grade_poisoned(engine: Engine, exercise: Exercise) -> ExerciseResult:
    source = Source(poisoned_source(exercise), f"{exercise.id}.py")
    return run_exercise(engine, exercise, source, include_hidden=True)


def exercise_ids() -> list[str]:
    return [exercise.id for exercise in Registry(ROOT).exercises()]


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", exercise_ids())
def test_nan_answers_pass_no_value_check(
    engine: Engine, registry: Registry, exercise_id: str
) -> None:
    exercise = registry.get(exercise_id)
    result = grade_poisoned(engine, exercise)
    allowed = FACT_CHECKS.get(exercise_id, {}) | {
        spec.name: "a declared fact check (0 points)" for spec in exercise.checks() if spec.fact
    }
    passed = {c.name: c.feedback for c in result.checks if c.status == "passed"}
    assert {name for name in passed if name not in allowed} == set(), passed
    assert result.score <= 0.5 * result.max_score, [(c.name, c.status) for c in result.checks]


def test_the_poisoned_reference_still_imports_and_runs(engine: Engine, registry: Registry) -> None:
    """Control: the poisoning itself works (NaN comes back), so the test above is not vacuous."""
    exercise = registry.get("exercise1")
    result = grade_poisoned(engine, exercise)
    statuses = {c.status for c in result.checks}
    assert "error" not in statuses and "crashed" not in statuses, result.checks
    autograd = next(c for c in result.checks if c.name == "autograd_forward_value")
    assert autograd.status == "failed" and "NaN" in autograd.feedback


# ---- the static rule: comparisons go through grader.authoring's helpers ---------------------

DISTANCE_CALLS = frozenset({"relative_error", "max_difference", "abs", "fabs"})
DISTANCE_METHODS = frozenset({"abs", "max", "amax", "norm"})
# Names (or any underscore-separated part of them) that say "a tolerance" or "a distance".
TOLERANCE_WORDS = frozenset(
    "tol tolerance atol rtol rel err error agreement match eps epsilon diff difference gap".split()
)
FORBIDDEN_CALLS = frozenset({"allclose", "isclose", "assert_close"})
INPUTS_PRAGMA = "# fail-closed: inputs"  # a comparison of judge-made inputs, not of an answer


def check_files() -> list[Path]:
    files = sorted(ROOT.glob("exercises/*/checks.py"))
    return files + sorted(ROOT.glob("reference/*/hidden_checks.py"))


def _called_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_distance(node: ast.AST) -> bool:
    """A part of a comparison that measures a distance or names a tolerance."""
    for part in ast.walk(node):
        if isinstance(part, ast.Call):
            name = _called_name(part)
            if isinstance(part.func, ast.Name) and name in DISTANCE_CALLS:
                return True
            if isinstance(part.func, ast.Attribute) and name in DISTANCE_METHODS | {"fabs"}:
                return True
        name = part.id if isinstance(part, ast.Name) else getattr(part, "attr", None)
        if isinstance(name, str) and TOLERANCE_WORDS & set(name.lower().split("_")):
            return True
    return False


def raw_comparisons(source: str, filename: str = "<check file>") -> list[str]:
    """Every raw tolerance comparison, forbidden call and `assert` in a check file's source."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Assert):
            found.append(f"{where}: assert (vanishes under python -O; use fail())")
        elif isinstance(node, ast.Call) and _called_name(node) in FORBIDDEN_CALLS:
            found.append(f"{where}: {_called_name(node)}() (use within / within_tolerance)")
        elif isinstance(node, ast.Compare):
            # Only orderings can pass NaN: `nan == x` is False and `nan != x` is True, so
            # `if d != 0: fail()` fails closed, while `if d > tol: fail()` does not.
            ordering = [op for op in node.ops if isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE))]
            span = lines[node.lineno - 1 : (node.end_lineno or node.lineno)]
            if any(INPUTS_PRAGMA in line for line in span):
                continue
            if ordering and any(_is_distance(part) for part in [node.left, *node.comparators]):
                found.append(f"{where}: {ast.unparse(node)} (use within / within_tolerance)")
    return found


@pytest.mark.parametrize("path", check_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_check_files_compare_only_through_the_helpers(path: Path) -> None:
    assert raw_comparisons(path.read_text(encoding="utf-8"), str(path)) == []


# The comparisons that passed NaN before the helpers (taken from the exercises as they were).
FAIL_OPEN = {
    "exercise1": "return [n for n, g, e in pairs if relative_error(g, e) >= 1e-10]",
    "exercise3": "if relative_error(got, expected) >= RULE_TOLERANCE:\n    fail('x')",
    "exercise4": "if value is None or relative_error(value, expected[k]) >= 1e-10:\n    pass",
    "exercise5": "if relative_error(total, expected[2]) >= TOLERANCE:\n    fail('x')",
    "exercise10_curve": "close = (got - expected).abs() <= 1e-5 + 1.3e-6 * expected.abs()",
    "exercise10_zero": "if bool(value.abs().max() > 0):\n    fail('x')",
    "exercise11": "if abs(g - e) > 1e-5 + 1.3e-6 * abs(e):\n    fail('x')",
    "exercise11_accuracy": "if abs(got - expected) > 1e-6:\n    fail('x')",
    "exercise12": "if not torch.allclose(value.to(want.dtype), want, rtol=1.3e-6, atol=1e-5):\n"
    "    fail('x')",
    "named": "if err >= tol:\n    fail('x')",
    "agreement": "ok = gap < AGREEMENT",
    "assert": "assert report.get('sequential') is True, 'not a Sequential'",
}


@pytest.mark.parametrize("name", sorted(FAIL_OPEN))
def test_the_scan_refuses_the_fail_open_comparisons(name: str) -> None:
    assert len(raw_comparisons(FAIL_OPEN[name])) == 1


@pytest.mark.parametrize(
    "source",
    [
        "if not within(got, expected):\n    fail('x')",
        "if not within_tolerance(g, e, rtol=1e-4, atol=1e-4):\n    fail('x')",
        "if count(report, 'steps') != 6:\n    fail('x')",
        "if got.numel() >= 2 and len(items) < 3:\n    pass",
        "if report.get('sequential') is not True:\n    fail('x')",
        "if abs(w * x + b) >= 0.25:  # fail-closed: inputs\n    pass",
    ],
)
def test_the_scan_lets_helpers_and_plain_facts_through(source: str) -> None:
    assert raw_comparisons(source) == []


def test_the_scan_catches_the_comparisons_of_a_whole_old_check_file(tmp_path: Path) -> None:
    """A check file written the old way (a copy in tmp_path) is refused line by line."""
    old = tmp_path / "checks.py"
    old.write_text(
        textwrap.dedent(
            """
            def expect_losses(got, expected, what):
                for epoch, (g, e) in enumerate(zip(got, expected)):
                    if abs(g - e) > 1e-5 + 1.3e-6 * abs(e):
                        fail(what)

            def expect_rule(got, expected):
                if relative_error(got, expected) >= RULE_TOLERANCE:
                    fail("wrong")
                assert got is not None
            """
        ),
        encoding="utf-8",
    )
    found = raw_comparisons(old.read_text(encoding="utf-8"), str(old))
    assert sorted(int(line.split(": ", 1)[0].rsplit(":", 1)[1]) for line in found) == [4, 8, 10]


# ---- python -O: the judge refuses to start ---------------------------------------------------


def test_the_judge_refuses_to_run_with_assertions_disabled(tmp_path: Path) -> None:
    """Under `python -O` every `assert` vanishes, so the judge stops with a clear error."""
    solution = ROOT / "reference" / "exercise1" / "solution.py"
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from grader.judge.registry import Registry
        from grader.judge.sandbox import Engine
        from grader.judge.scoring import Source, run_exercise
        exercise = Registry(Path({str(ROOT)!r})).get("exercise1")
        data = Path({str(solution)!r}).read_bytes()
        result = run_exercise(Engine("forkserver"), exercise, Source(data, "exercise1.py"))
        print("GRADED", result.score)
        """
    )
    run = subprocess.run(
        [sys.executable, "-O", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode != 0 and "GRADED" not in run.stdout
    assert run.stderr.strip().splitlines()[-1] == (
        "grader.judge.sandbox.EngineError: the judge refuses to run under python -O (or "
        "PYTHONOPTIMIZE): assert statements are stripped there, so a check could pass without "
        "deciding; run it without -O"
    )
