"""A fact reported from the sandbox earns no points (grader.authoring.evidence).

The submission can write any reply (tests/redteam/test_forged_facts.py does), so a check worth
points must pass on a value the judge compares with its own, and a fact check is worth 0.
Three layers keep it so: `@check(fact=True)` refuses points; the judge turns a point-bearing
check that passes without a value comparison, or fails on a fact, into `invalid` with an
authoring error; and the tests below walk the registry, statically (every check worth points
reaches a comparison helper) and through real sandboxes (no reference or mutant meets the
judge's authoring error).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from grader.authoring import Submission, check, count, fail, report_of, within
from grader.authoring.check import CheckSpec, collect
from grader.judge.registry import Exercise, Registry
from grader.judge.sandbox import Engine
from grader.judge.scoring import SandboxedSubmission, Source, _run_checks, run_exercise
from grader.outputs.models import CheckResult

ROOT = Path(__file__).resolve().parent.parent
LECTURE = (3.0, 2.0, 1.0)
# What a check worth points must reach: the helpers that compare a value with an expected one
# and record the comparison (grader.authoring.expect, grader.authoring.gradcheck).
COMPARISONS = frozenset(
    {
        "within",
        "within_tolerance",
        "expect_float",
        "expect_tensor",
        "expect_finite",
        "same_form",
        "compare_gradients",
        "check_gradient",
    }
)


def test_a_fact_check_cannot_be_worth_points() -> None:
    with pytest.raises(ValueError, match="fact check earns no points"):
        check(points=1, fact=True)
    assert check(points=0, fact=True)(lambda sub: None) is not None


def exercise_ids() -> list[str]:
    return [exercise.id for exercise in Registry(ROOT).exercises()]


def _functions(path: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _called(function: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


def reaches_a_comparison(name: str, functions: dict[str, ast.FunctionDef]) -> bool:
    """Whether the check `name`, through the module-level functions it calls, calls one of
    COMPARISONS."""
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen or current not in functions:
            continue
        seen.add(current)
        called = _called(functions[current])
        if called & COMPARISONS:
            return True
        todo.extend(called)
    return False


@pytest.mark.parametrize("exercise_id", exercise_ids())
def test_every_check_worth_points_compares_a_value(registry: Registry, exercise_id: str) -> None:
    exercise = registry.get(exercise_id)
    public = _functions(exercise.folder / "checks.py")
    hidden_path = exercise.hidden_checks_path
    hidden = {**public, **_functions(hidden_path)} if hidden_path else public
    refused = []
    for spec in exercise.checks(include_hidden=True):
        if spec.fact:
            assert spec.points == 0, spec.name
            continue
        if spec.points > 0 and not reaches_a_comparison(
            spec.function.__name__, hidden if spec.hidden else public
        ):
            refused.append(spec.name)
    assert refused == [], f"{exercise_id}: checks worth points that compare no value: {refused}"


def test_the_static_walk_refuses_a_check_that_counts_only(tmp_path: Path) -> None:
    """Control: a planted check deciding on a probe's count alone is found."""
    path = tmp_path / "checks.py"
    path.write_text(
        "def helper(report):\n    return report['grad'] == 1\n\n"
        "def one_pass(sub):\n    if not helper(sub.probe('p')):\n        fail('no')\n\n"
        "def values(sub):\n    if not within(sub.call('f'), 1.0):\n        fail('no')\n"
    )
    functions = _functions(path)
    assert not reaches_a_comparison("one_pass", functions)
    assert reaches_a_comparison("values", functions)


# ---- the expected side of a comparison is the judge's own ------------------------------------
# A comparison whose expected value came back from the sandbox (two sandbox answers compared with
# each other, or softmax of the student's own logits) is as forgeable as a fact. The walk below
# follows, through the module's functions, where each value came from: `sub.call` / `sub.probe`
# (any `.call(...)` / `.probe(...)`) is the sandbox; a function's result has the origins of what
# it returns; a helper's parameter that reaches the expected side of a comparison is a sink at
# its call sites. Functions annotated to return a Diagnosis are skipped: they only name a
# misconception. Its limits: it is per file (a hidden check is walked together with its public
# checks.py, helpers are matched by name), it follows tuples, zip() and enumerate() element by
# element but a list, dict or object as a whole (a dict that mixes the judge's weights into a
# probe's report is all the sandbox's), and it does not see values that flow through globals.

Origins = frozenset[str]
SANDBOX = "<sandbox>"


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _params(function: ast.FunctionDef) -> list[str]:
    args = function.args
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


def _bound(call: ast.Call, function: ast.FunctionDef) -> dict[str, ast.expr]:
    params = _params(function)
    bound = {params[i]: arg for i, arg in enumerate(call.args) if i < len(params)}
    bound.update({k.arg: k.value for k in call.keywords if k.arg in params})
    return bound


def _is_diagnosis(function: ast.FunctionDef) -> bool:
    return function.returns is not None and "Diagnosis" in ast.unparse(function.returns)


class Flow:
    """Where the values of a checks module come from, and which reach an expected side."""

    def __init__(self, functions: dict[str, ast.FunctionDef]) -> None:
        self.functions = functions
        self.returns: dict[str, Origins] = {name: frozenset() for name in functions}
        self.sinks: dict[str, set[str]] = {name: set() for name in functions}
        changed = True
        while changed:
            changed = False
            for name, function in functions.items():
                env = self.env(function)
                returned: set[str] = set()
                for node in ast.walk(function):
                    if isinstance(node, ast.Return) and node.value is not None:
                        returned |= self.origins(node.value, env)
                if frozenset(returned) != self.returns[name]:
                    self.returns[name], changed = frozenset(returned), True
                if _is_diagnosis(function):
                    continue
                sinks = {o for _, e in self.expected_sides(function) for o in self.origins(e, env)}
                if not sinks - {SANDBOX} <= self.sinks[name]:
                    self.sinks[name] |= sinks - {SANDBOX}
                    changed = True

    def expected_sides(self, function: ast.FunctionDef) -> list[tuple[ast.Call, ast.expr]]:
        """Every expression that is compared as the expected value, directly or through a
        helper's sink parameter."""
        sides = []
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            callee = _callee(node)
            if callee in COMPARISONS:
                keyword = next((k.value for k in node.keywords if k.arg == "expected"), None)
                expected = node.args[1] if len(node.args) > 1 else keyword
                if expected is not None:
                    sides.append((node, expected))
            elif callee in self.functions:
                bound = _bound(node, self.functions[callee])
                sides += [(node, bound[p]) for p in self.sinks[callee] if p in bound]
        return sides

    def origins(self, expr: ast.expr, env: dict[str, set[str]]) -> set[str]:
        found: set[str] = set()
        todo: list[ast.AST] = [expr]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Name):
                found |= env.get(node.id, set())
                continue
            if isinstance(node, ast.Lambda):
                continue
            if isinstance(node, ast.Call):
                callee = _callee(node)
                if callee in ("call", "probe") and isinstance(node.func, ast.Attribute):
                    found.add(SANDBOX)
                    continue
                if callee in self.functions:
                    bound = _bound(node, self.functions[callee])
                    for origin in self.returns[callee]:
                        if origin == SANDBOX:
                            found.add(SANDBOX)
                        elif origin in bound:
                            todo.append(bound[origin])
                    continue
            todo.extend(ast.iter_child_nodes(node))
        return found

    def _bind(self, target: ast.expr, value: ast.expr, env: dict[str, set[str]], out: list) -> None:
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)):
            if len(target.elts) == len(value.elts):
                for t, v in zip(target.elts, value.elts, strict=True):
                    self._bind(t, v, env, out)
                return
        origins = self.origins(value, env)
        out += [(n.id, origins) for n in ast.walk(target) if isinstance(n, ast.Name)]

    def _bind_loop(
        self, target: ast.expr, it: ast.expr, env: dict[str, set[str]], out: list
    ) -> None:
        if isinstance(target, ast.Tuple) and isinstance(it, ast.Call):
            callee = _callee(it)
            if callee == "zip" and len(it.args) == len(target.elts):
                for t, arg in zip(target.elts, it.args, strict=True):
                    self._bind_loop(t, arg, env, out)
                return
            if callee == "enumerate" and len(target.elts) == 2 and it.args:
                self._bind_loop(target.elts[1], it.args[0], env, out)
                return
        self._bind(target, it, env, out)

    def env(self, function: ast.FunctionDef) -> dict[str, set[str]]:
        """The origins of every local name: its parameters, or the sandbox."""
        env = {p: {p} for p in _params(function)}
        changed = True
        while changed:
            changed = False
            for node in ast.walk(function):
                out: list[tuple[str, set[str]]] = []
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        self._bind(target, node.value, env, out)
                elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
                    if node.value is not None:
                        self._bind(node.target, node.value, env, out)
                elif isinstance(node, (ast.For, ast.comprehension)):
                    self._bind_loop(node.target, node.iter, env, out)
                for name, origins in out:
                    if not origins <= env.get(name, set()):
                        env[name] = env.get(name, set()) | origins
                        changed = True
        return env

    def sandbox_expected(self) -> list[str]:
        """`function:line expression` for each expected side that came from the sandbox."""
        found = []
        for name, function in self.functions.items():
            if _is_diagnosis(function):
                continue
            env = self.env(function)
            for call, expected in self.expected_sides(function):
                if SANDBOX in self.origins(expected, env):
                    found.append(f"{name}:{call.lineno} {ast.unparse(expected)}")
        return found


@pytest.mark.parametrize("exercise_id", exercise_ids())
def test_no_expected_value_comes_from_the_sandbox(registry: Registry, exercise_id: str) -> None:
    exercise = registry.get(exercise_id)
    functions = _functions(exercise.folder / "checks.py")
    if exercise.hidden_checks_path:
        functions = {**functions, **_functions(exercise.hidden_checks_path)}
    found = Flow(functions).sandbox_expected()
    assert found == [], f"{exercise_id}: expected values that came from the sandbox: {found}"


PLANTED_FLOWS = """
def run_forward(sub, x):
    report = sub.probe("forward", x)
    return report["logits"], report["probas"]

def held_to(got, want, what):
    expect_tensor(got, want, what)

def explain(got, other) -> Diagnosis | None:
    return NAMED if within(got, other) else None

def softmax_of_own_logits(sub):
    logits, probas = run_forward(sub, X)
    expect_tensor(probas, torch.softmax(logits, dim=1), "probas", diagnosis=explain(probas, logits))

def batch_against_rows(sub):
    report = sub.probe("single_rows", X)
    rows = torch.cat([row for row in report["rows"]])
    held_to(report["batch"], rows, "batch")

def numeric_of_student_forward(sub):
    outputs = sub.call("relu", X)
    numeric = (outputs[:6] - outputs[6:]) / 2e-6
    for epoch, (a, n) in enumerate(zip(sub.call("grad", X), numeric)):
        if not within(a, n):
            fail("no")

def judge_side(sub):
    logits, probas = run_forward(sub, X)
    expected = layer_logits(WEIGHTS, X)
    for g, e in zip(logits, expected):
        within(g, e)
    held_to(probas, torch.softmax(expected, dim=1), "probas")
    expect_tensor(logits, expected, "logits", diagnosis=explain(logits, probas))
"""


def test_the_flow_walk_refuses_sandbox_answers_on_the_expected_side(tmp_path: Path) -> None:
    """Control: each planted comparison against a sandbox answer is found, and none of the
    judge-side ones (a diagnosis may compare sandbox values: it names, it does not decide)."""
    path = tmp_path / "checks.py"
    path.write_text(PLANTED_FLOWS)
    found = {entry.split(":")[0] for entry in Flow(_functions(path)).sandbox_expected()}
    assert found == {"softmax_of_own_logits", "batch_against_rows", "numeric_of_student_forward"}


# ---- the judge's own guard, through real sandboxes -------------------------------------------


@check(points=1)
def earns_from_a_count(sub: Submission) -> None:
    """graph_autograd runs one autograd.grad pass (a fact, wrongly worth a point)."""
    report = report_of(sub.probe("backward_passes", "graph_autograd", *LECTURE))
    if count(report, "grad") != 1:
        fail("expected one autograd.grad pass")


@check(points=1)
def fails_on_a_count(sub: Submission) -> None:
    """graph_manual runs no backward pass (a fact, wrongly able to cost a point)."""
    report = report_of(sub.probe("backward_passes", "graph_manual", *LECTURE))
    if count(report, "grad") or count(report, "backward"):
        fail("graph_manual ran autograd")


@check(points=0, fact=True)
def declared_fact(sub: Submission) -> None:
    """graph_manual runs no backward pass (declared: feedback only)."""
    report = report_of(sub.probe("backward_passes", "graph_manual", *LECTURE))
    if count(report, "grad") or count(report, "backward"):
        fail("graph_manual ran autograd")


@check(points=1)
def value_with_a_fact_for_feedback(sub: Submission) -> None:
    """graph_manual's forward value is 7; the pass count only explains a failure."""
    value = sub.call("graph_manual", *LECTURE)[0]
    report = report_of(sub.probe("backward_passes", "graph_manual", *LECTURE))
    if not within(value, 7.0):
        fail(f"a = {value}, expected 7 (backward passes seen: {count(report, 'backward')})")


PLANTED = [
    CheckSpec(f.__name__, f.__doc__ or "", points, f, fact=fact)
    for f, points, fact in (
        (earns_from_a_count, 1, False),
        (fails_on_a_count, 1, False),
        (declared_fact, 0, True),
        (value_with_a_fact_for_feedback, 1, False),
    )
]


def grade_planted(engine: Engine, exercise: Exercise, text: str) -> dict[str, CheckResult]:
    # generous limits: the session's first sandbox pays for the zygote's start on a busy machine
    limits = exercise.meta.limits.model_copy(update={"import_s": 120, "total_s": 300})
    submission = SandboxedSubmission(engine, exercise, text, "exercise1.py", "cpu", limits)
    try:
        results, _ = _run_checks(PLANTED, submission, None)
    finally:
        submission.close()
    return {result.name: result for result in results}


def test_the_judge_refuses_points_from_facts(engine: Engine, registry: Registry) -> None:
    exercise = registry.get("exercise1")
    assert exercise.solution is not None
    solution = exercise.solution.read_text(encoding="utf-8")
    uses_autograd = next(m for m in exercise.mutants if m.path.stem == "manual_uses_autograd")
    wrong = (
        solution
        + "\n\ndef graph_manual(x, w, b):\n    return 8.0, {'x': 2.0, 'w': 3.0, 'b': 1.0}\n"
    )
    honest = grade_planted(engine, exercise, solution)
    assert honest["earns_from_a_count"].status == "invalid"
    assert honest["earns_from_a_count"].staff_feedback.startswith("authoring error")
    assert honest["earns_from_a_count"].score == 0
    assert honest["fails_on_a_count"].status == "invalid"  # it passed on a fact alone
    assert honest["declared_fact"].status == "passed" and honest["declared_fact"].max_score == 0
    assert honest["value_with_a_fact_for_feedback"].status == "passed"

    autograd = grade_planted(engine, exercise, uses_autograd.path.read_text(encoding="utf-8"))
    failed_on_fact = autograd["fails_on_a_count"]
    assert failed_on_fact.status == "invalid", failed_on_fact
    assert "failed on a sandbox-reported fact" in failed_on_fact.staff_feedback
    assert autograd["declared_fact"].status == "failed"  # a declared fact check may fail
    assert autograd["declared_fact"].score == 0

    # a value failure explained with a fact stays `failed`
    assert grade_planted(engine, exercise, wrong)["value_with_a_fact_for_feedback"].status == (
        "failed"
    )


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", exercise_ids())
def test_no_reference_or_mutant_meets_the_authoring_guard(
    engine: Engine, registry: Registry, exercise_id: str
) -> None:
    """Through real sandboxes: the reference earns full marks, and no check of the reference or
    of any mutant earns or loses points on a fact (the judge's guard never fires)."""
    exercise = registry.get(exercise_id)
    assert exercise.solution is not None
    files: list[tuple[str, Any]] = [("reference", exercise.solution)]
    files += [("mutant", mutant.path) for mutant in exercise.mutants]
    # generous limits: this is about the checks, not the time (the machine may be busy)
    limits = exercise.meta.limits
    limits = limits.model_copy(update={"import_s": 120, "total_s": max(300, limits.total_s)})
    for role, path in files:
        source = Source(path.read_bytes(), f"{exercise_id}.py")
        result = run_exercise(engine, exercise, source, limits=limits)
        guarded = [c.name for c in result.checks if "authoring error" in c.staff_feedback]
        assert guarded == [], f"{role} {path.name}: {guarded}"
        if role == "reference":
            assert result.score == result.max_score, [(c.name, c.status) for c in result.checks]


def test_collect_keeps_the_fact_declaration() -> None:
    specs = collect({"a": declared_fact, "b": earns_from_a_count}, hidden=False)
    assert [(s.name, s.fact, s.points) for s in specs] == [
        ("earns_from_a_count", False, 1),
        ("declared_fact", True, 0),
    ]
