"""The course, one exercise at a time, parametrised over the registry: real sandboxed runs give
the reference and every alternative full marks, the stub `not_attempted` on every check, and
each mutant caught by every check its header names; the misconceptions listed below get
the diagnosis their checks promise, and hidden checks show no inputs.

This is what `grade validate` proves, asserted independently of its code (and a little more
strictly: a mutant's named checks must catch it, not merely not pass it). Each
exercise's own fixtures, probes and judge-side formulas are tested in
tests/test_course_<id>.py. An exercise added to exercises/ and reference/ is covered here with
no edit; add rows to EXPLAINED for the diagnoses it promises.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import course_harness as harness
import pytest

from grader.judge.registry import Exercise, Registry
from grader.judge.sandbox import Engine
from grader.outputs.models import ExerciseResult

COURSE = Registry(harness.ROOT)
MIN_MUTANTS = 4
# A mutant is caught when its answer is judged wrong (failed, invalid) or its code raises (the
# misconception's own error, e.g. calling nn.Softmax with dim): never by running out of time,
# memory or a crash, which would say nothing about the checks.
CAUGHT = ("failed", "invalid", "error")

# (exercise, mutant, check, diagnosis code): a named misconception fails the check with this code.
EXPLAINED = [
    ("exercise1", "relu_grad_one_at_zero", "relu_derivative_at_zero", "relu_grad_at_zero"),
    ("exercise1", "partials_swapped", "manual_matches_lecture", "partials_swapped"),
    ("exercise1", "relu_derivative_ignored", "hidden_inactive_unit", "relu_derivative_ignored"),
    ("exercise1", "backward_on_cached_leaves", "repeated_calls_agree", "accumulated_gradients"),
    # gradients carried over between calls are named as such at the kink, not as relu'(0)
    (
        "exercise1",
        "leaves_reused_across_calls",
        "relu_derivative_at_zero",
        "accumulated_gradients",
    ),
    (
        "exercise1",
        "leaves_reused_across_calls",
        "hidden_inactive_unit",
        "accumulated_gradients",
    ),
    ("exercise1", "leaves_reused_across_calls", "autograd_gradients", "accumulated_gradients"),
    ("exercise3", "quotient_sign_flipped", "quotient_rule", "quotient_numerator_reversed"),
    (
        "exercise3",
        "quotient_sign_flipped",
        "hidden_quotient_and_reciprocal",
        "quotient_numerator_reversed",
    ),
    ("exercise3", "reciprocal_over_f", "reciprocal_rule", "reciprocal_not_squared"),
    ("exercise3", "chain_without_inner", "chain_rule", "inner_derivative_missing"),
    ("exercise3", "chain_outer_at_x", "chain_rule", "outer_at_x"),
    ("exercise3", "product_of_derivatives", "product_rule", "product_of_derivatives"),
    ("exercise3", "forward_difference", "central_difference_exp", "forward_difference"),
    ("exercise3", "first_argument_only", "central_difference_mul", "wrong_argument"),
    ("exercise3", "fixed_step", "central_difference_uses_eps", "eps_ignored"),
    ("exercise4", "missing_retain_grad", "retain_grad_method", "retain_grad_missing"),
    ("exercise4", "stale_hook_store", "second_call_not_stale", "stale_state"),
    ("exercise5", "one_path_only", "total_is_sum_of_paths", "missing_path"),
    ("exercise5", "paths_multiplied", "total_is_sum_of_paths", "paths_multiplied"),
    ("exercise5", "sign_flipped", "upper_path_term", "sign_flipped"),
    ("exercise5", "sign_flipped", "total_is_sum_of_paths", "sign_flipped"),
    ("exercise5", "missing_x1_factor", "lower_path_term", "missing_x1"),
    ("exercise5", "missing_x1_factor", "hidden_paths_at_other_inputs", "missing_x1"),
    ("exercise5", "detach_cuts_path", "autograd_total", "graph_cut"),
    ("exercise5", "data_cuts_upper_path", "autograd_total", "graph_cut"),
    ("exercise5", "data_cuts_upper_path", "hidden_autograd_at_other_inputs", "graph_cut"),
    (
        "exercise8",
        "detach_without_clone",
        "capture_survives_inplace_relu",
        "stored_alias_overwritten",
    ),
    ("exercise9", "detached_loss", "gradient_reaches_logits", "loss_disconnected"),
    ("exercise9", "rewrapped_losses", "binary_gradient_reaches_logits", "loss_disconnected"),
    ("exercise9", "log_of_softmax", "mean_loss_finite_for_far_apart_logits", "log_of_softmax"),
    (
        "exercise10",
        "backward_returns_gradient",
        "manual_backward_matches_autograd",
        "sign_flipped",
    ),
    (
        "exercise10",
        "backward_drops_factor_two",
        "manual_backward_matches_autograd",
        "constant_factor",
    ),
    (
        "exercise10",
        "backward_drops_factor_two",
        "train_manual_reproduces_notebook",
        "constant_factor",
    ),
    ("exercise10", "backward_sums_over_batch", "train_manual_reproduces_notebook", "sum_not_mean"),
    (
        "exercise10",
        "sgd_without_zero_grad",
        "train_sgd_reproduces_notebook",
        "accumulated_gradients",
    ),
    (
        "exercise10",
        "autograd_adds_gradient",
        "train_autograd_reproduces_notebook",
        "gradient_ascent",
    ),
    (
        "exercise10",
        "autograd_out_of_place_update",
        "train_autograd_keeps_leaf_parameters",
        "non_leaf_parameters",
    ),
    (
        "exercise10",
        "forward_keeps_column",
        "forward_returns_one_value_per_row",
        "column_predictions",
    ),
    ("exercise10", "adaline3_random_init", "models_start_at_zero", "random_init"),
    (
        "exercise10",
        "sgd_logs_last_minibatch",
        "train_sgd_reproduces_notebook",
        "last_minibatch_loss",
    ),
    (
        "exercise10",
        "sgd_logs_last_minibatch",
        "hidden_train_sgd_other_settings",
        "last_minibatch_loss",
    ),
    (
        "exercise10",
        "manual_logs_mean_of_minibatches",
        "train_manual_reproduces_notebook",
        "mean_of_minibatch_losses",
    ),
    ("exercise10", "losses_as_tensors", "losses_are_python_floats", "loss_as_tensor"),
    ("exercise10", "notebook_verbatim", "losses_are_python_floats", "loss_as_tensor"),
    (
        "exercise10",
        "notebook_verbatim",
        "train_autograd_keeps_leaf_parameters",
        "non_leaf_parameters",
    ),
    ("exercise11", "no_zero_grad", "each_step_uses_fresh_gradients", "accumulated_gradients"),
    ("exercise11", "no_zero_grad", "trains_like_the_reference", "accumulated_gradients"),
    (
        "exercise11",
        "zero_grad_before_step",
        "each_step_uses_fresh_gradients",
        "zero_grad_before_step",
    ),
    ("exercise11", "epoch_sum", "epoch_loss_is_mean_of_batch_losses", "sum_not_mean"),
    ("exercise11", "no_train_mode", "train_mode_during_training", "eval_mode_in_training"),
    ("exercise11", "train_mode_set_once", "train_mode_during_training", "eval_mode_in_training"),
    ("exercise11", "evaluate_without_eval", "evaluate_in_eval_mode", "train_mode_in_eval"),
    ("exercise11", "evaluate_without_no_grad", "evaluate_builds_no_graph", "graph_in_eval"),
    ("exercise11", "accuracy_in_percent", "evaluate_returns_accuracy", "percent"),
    (
        "exercise11",
        "mean_of_batch_accuracies",
        "evaluate_returns_accuracy",
        "mean_of_batch_accuracies",
    ),
    ("exercise12", "targets_not_moved", "targets_moved_to_device", "targets_not_on_device"),
    (
        "exercise12",
        "targets_not_moved",
        "hidden_integer_targets_moved_to_device",
        "targets_not_on_device",
    ),
    ("exercise12", "features_not_moved", "features_moved_to_device", "features_not_on_device"),
    ("exercise12", "returns_tensor", "returns_loss_as_python_float", "loss_as_tensor"),
    ("exercise12", "no_zero_grad", "clears_stale_gradients", "accumulated_gradients"),
    (
        "exercise12",
        "zero_grad_before_step",
        "one_step_updates_parameters",
        "zero_grad_before_step",
    ),
]
# (exercise, mutant, check, diagnosis code): code that raises PyTorch's own error for a named
# misconception. The verdict is `error` because the code raised; the error's text only chooses
# the name shown (issue 10: never the verdict, never the points).
NAMED_ERRORS = [
    ("exercise1", "detached_product", "autograd_gradients", "input_not_in_graph"),
    ("exercise4", "backward_twice_for_hooks", "hooks_method", "backward_twice"),
    ("exercise7", "slide39_softmax_call", "output_shapes", "softmax_module_called_with_dim"),
]
# (exercise, mutant, points lost, the README row's opening words): what a mistake costs, as the
# exercise's README states it; every mutant of the course has its row. A 0 is a mistake that only
# a fact check sees (named in feedback, never charged).
COSTS = [
    ("exercise1", "relu_grad_one_at_zero", 2, "| relu'(0) taken as 1"),
    ("exercise1", "manual_uses_autograd", 0, "| autograd in `graph_manual`"),
    ("exercise1", "partials_swapped", 5, "| da/dx and da/dw swapped"),
    ("exercise1", "relu_derivative_ignored", 5, "| relu'(v) left out"),
    ("exercise1", "backward_on_cached_leaves", 3, "| `.backward()` on leaves cached"),
    ("exercise1", "leaves_reused_across_calls", 8, "| leaves refilled and reused"),
    ("exercise1", "hardcoded_fixtures", 3, "| the lecture's numbers hard-coded"),
    ("exercise1", "detached_product", 9, "| a `.detach()` inside the graph"),
    ("exercise2", "clamp_gradient", 4, "| relu'(0) taken as 1"),
    ("exercise2", "ge_mask", 4, "| relu'(0) taken as 1"),
    ("exercise2", "mask_only", 8, "| the mask alone returned"),
    ("exercise2", "forward_abs", 5, "| forward as `abs`"),
    ("exercise2", "inplace_grad_output", 0, "| `grad_output` modified in place"),
    ("exercise2", "inplace_input", 2, "| `x` changed in place by forward"),
    ("exercise3", "quotient_sign_flipped", 2, "| the quotient rule's numerator reversed"),
    ("exercise3", "reciprocal_over_f", 2, "| the reciprocal rule as"),
    ("exercise3", "chain_without_inner", 2, "| the chain rule without"),
    ("exercise3", "chain_outer_at_x", 2, "| the chain rule without"),
    ("exercise3", "product_of_derivatives", 2, "| the product rule as"),
    ("exercise3", "forward_difference", 3, "| a forward difference"),
    ("exercise3", "first_argument_only", 2, "| the wrong argument nudged"),
    ("exercise3", "fixed_step", 1, "| the `eps` argument ignored"),
    ("exercise3", "rules_by_central_difference", 3, "| each rule's derivative taken numerically"),
    ("exercise4", "missing_retain_grad", 6, "| `retain_grad()` missing"),
    ("exercise4", "backward_twice_for_hooks", 7, "| `backward` twice on one graph"),
    ("exercise4", "hooks_not_removed", 0, "| hooks left registered"),
    ("exercise4", "grad_tuple_one_call_per_input", 0, "| one `torch.autograd.grad` call"),
    ("exercise4", "stale_hook_store", 3, "| hooks writing into a store"),
    ("exercise4", "hardcoded_lecture", 5, "| the lecture's numbers hard-coded"),
    ("exercise4", "relu_grad_one_at_zero", 1, "| relu'(0) taken as 1"),
    ("exercise5", "one_path_only", 4, "| one path only"),
    ("exercise5", "paths_multiplied", 4, "| the paths multiplied"),
    ("exercise5", "sign_flipped", 7, "| the sign of `dl/do` flipped"),
    ("exercise5", "missing_x1_factor", 7, "| the factor `dz1/dw1 = x1` missing"),
    ("exercise5", "detach_cuts_path", 3, "| autograd with one path detached"),
    ("exercise5", "data_cuts_upper_path", 3, "| autograd with one path detached"),
    ("exercise5", "manual_uses_autograd", 0, "| autograd in the by-hand version"),
    ("exercise6", "transposed", 5, "| dl/dW1 transposed"),
    ("exercise6", "one_path", 9, "| one path only, or sigmoid'"),
    ("exercise6", "no_sigmoid_derivative", 9, "| one path only, or sigmoid'"),
    ("exercise6", "sign_flipped", 9, "| one path only, or sigmoid'"),
    ("exercise6", "hardcoded", 5, "| the lecture's numbers hard-coded"),
    ("exercise6", "uses_autograd", 0, "| autograd instead of the chain rule"),
    ("exercise6", "inplace_weights", 2, "| an input changed in place"),
    ("exercise7", "naive_softmax", 2, "| softmax as `exp(z) / exp(z).sum()`"),
    ("exercise7", "softmax_dim0", 4, "| softmax over dim 0"),
    ("exercise7", "log_softmax_probas", 4, "| log_softmax returned as probas"),
    ("exercise7", "softmax_logits", 10, "| softmax applied to the returned logits"),
    ("exercise7", "no_relu", 6, "| a ReLU left out"),
    ("exercise7", "data_cuts_graph", 4, "| `.data` or `.detach()` inside forward"),
    ("exercise7", "plain_list", 10, "| layers kept in a plain list"),
    ("exercise7", "slide39_softmax_call", 11, "| slide 39's"),
    ("exercise8", "detach_without_clone", 1, "| `output.detach()` stored without a copy"),
    ("exercise8", "not_detached", 1, "| the output stored without `detach()`"),
    ("exercise8", "fixed_index", 2, "| the hook on a fixed layer"),
    ("exercise8", "latest_only", 2, "| only the latest output kept"),
    ("exercise8", "registered_twice", 2, "| the hook registered twice"),
    ("exercise8", "pre_hook", 7, "| a forward *pre*-hook"),
    ("exercise8", "softmax_layer", 6, "| a `Softmax` ending the Sequential"),
    ("exercise8", "hook_returns_detached", 1, "| a hook that returns `output.detach()`"),
    ("exercise9", "log_of_softmax", 2, "| `torch.log(torch.softmax(z, dim=1))`"),
    ("exercise9", "naive_binary", 2, "| the binary loss through `sigmoid`"),
    ("exercise9", "sigmoid_then_bce", 2, "| the binary loss through `sigmoid`"),
    ("exercise9", "detached_loss", 3, "| `multiclass_loss` computed outside autograd"),
    ("exercise9", "rewrapped_losses", 6, "| both losses re-wrapped"),
    ("exercise9", "sum_for_mean", 6, "| the sum where the mean belongs"),
    ("exercise9", "softmax_then_cross_entropy", 10, "| softmax before `F.cross_entropy`"),
    ("exercise9", "nll_on_probabilities", 10, "| softmax before `F.cross_entropy`"),
    ("exercise10", "losses_as_tensors", 1, "| losses returned as 0-dim tensors"),
    ("exercise10", "autograd_out_of_place_update", 0, "| `w = w - lr * grad` out of place"),
    ("exercise10", "notebook_verbatim", 1, "| the notebook's code as it stands"),
    ("exercise10", "manual_logs_mean_of_minibatches", 2, "| the mean of minibatch losses"),
    ("exercise10", "sgd_logs_last_minibatch", 3, "| the last minibatch's loss"),
    ("exercise10", "sgd_without_zero_grad", 3, "| no `zero_grad` in `train_sgd`"),
    ("exercise10", "autograd_adds_gradient", 3, "| the update along the gradient"),
    ("exercise10", "backward_returns_gradient", 3, "| `backward` returning dL/dw"),
    ("exercise10", "adaline3_random_init", 3, "| `nn.Linear` left at random values"),
    ("exercise10", "backward_drops_factor_two", 5, "| the factor 2 or the 1/N"),
    ("exercise10", "backward_sums_over_batch", 5, "| the factor 2 or the 1/N"),
    ("exercise10", "forward_keeps_column", 10, "| `forward` returning the (N, 1) column"),
    ("exercise11", "total_loss_tensor", 0, "| `total_loss += loss`"),
    ("exercise11", "evaluate_without_eval", 0, "| `evaluate` without `eval()`"),
    ("exercise11", "evaluate_without_no_grad", 0, "| `evaluate` without `no_grad()`"),
    ("exercise11", "model_to_cpu", 0, '| `"cpu"` written instead of `device`'),
    ("exercise11", "targets_not_moved", 0, "| targets left on the CPU"),
    ("exercise11", "no_train_mode", 0, "| no `model.train()` at all"),
    ("exercise11", "train_mode_set_once", 0, "| `model.train()` only once"),
    ("exercise11", "accuracy_in_percent", 4, "| an accuracy in percent"),
    ("exercise11", "mean_of_batch_accuracies", 4, "| the mean of per-batch accuracies"),
    ("exercise11", "no_zero_grad", 8, "| no `zero_grad`, or"),
    ("exercise11", "zero_grad_before_step", 8, "| no `zero_grad`, or"),
    ("exercise11", "epoch_sum", 10, "| the sum of the batch losses"),
    ("exercise11", "losses_as_tensors", 10, "| the losses returned as tensors"),
    ("exercise12", "returns_tensor", 1, "| the loss returned as a tensor"),
    ("exercise12", "no_zero_grad", 4, "| no `zero_grad`"),
    ("exercise12", "targets_not_moved", 0, "| the targets not moved"),
    ("exercise12", "features_not_moved", 0, "| the features not moved"),
    ("exercise12", "hard_coded_cpu", 0, "| the features not moved"),
    ("exercise12", "zero_grad_before_step", 11, "| `zero_grad` between `backward` and `step`"),
]
# (exercise, mutant, check): answers of the wrong form, `invalid` rather than `failed`.
INVALID = [("exercise11", "losses_as_tensors", "trains_like_the_reference")]
# Text naming a hidden check's inputs, which its feedback must never show.
HIDDEN_INPUTS = {"exercise1": "(x, w, b)", "exercise5": "(x1, w1, y)"}


def by_exercise() -> list[Any]:
    return [pytest.param(e, id=e.id) for e in COURSE.exercises()]


def course_files(kind: str) -> list[Any]:
    """(exercise, path) for every staff file of one kind (`alternatives`, `mutants`)."""
    return [
        pytest.param(exercise, path, id=f"{exercise.id}-{path.stem}")
        for exercise in COURSE.exercises()
        for path in harness.reference_files(exercise.id, kind)
    ]


Graded = Callable[[Exercise], dict[str, ExerciseResult]]


@pytest.fixture(scope="session")
def graded(engine: Engine) -> Graded:
    """Every course file of an exercise, graded once in real sandboxes, by file stem."""
    cache: dict[str, dict[str, ExerciseResult]] = {}

    def grade(exercise: Exercise) -> dict[str, ExerciseResult]:
        if exercise.id not in cache:
            cache[exercise.id] = harness.grade_course_files(engine, exercise)
        return cache[exercise.id]

    return grade


def explain(result: ExerciseResult) -> dict[str, str]:
    """Each check's verdict and first feedback line, for assertion messages."""
    return {c.name: f"{c.status}: {(c.feedback or ' ').splitlines()[0]}" for c in result.checks}


def test_the_registry_holds_the_whole_course() -> None:
    """The ids of docs/course.md are fixed; the registry finds every one (and any added)."""
    assert {f"exercise{n}" for n in range(1, 13)} <= {e.id for e in COURSE.exercises()}


@pytest.mark.parametrize("exercise", by_exercise())
def test_the_reference_earns_full_marks(graded: Graded, exercise: Exercise) -> None:
    result = graded(exercise)["solution"]
    assert result.max_score > 0 and result.checks
    assert {c.status for c in result.checks} == {"passed"}, explain(result)
    assert result.score == result.max_score == exercise.max_score(include_hidden=True)


@pytest.mark.parametrize(("exercise", "path"), course_files("alternatives"))
def test_each_alternative_earns_full_marks(graded: Graded, exercise: Exercise, path: Path) -> None:
    result = graded(exercise)[path.stem]
    assert {c.status for c in result.checks} == {"passed"}, explain(result)
    assert result.score == result.max_score > 0


@pytest.mark.parametrize("exercise", by_exercise())
def test_the_stub_is_not_attempted_on_every_check(graded: Graded, exercise: Exercise) -> None:
    result = graded(exercise)[exercise.id]
    assert result.checks and {c.status for c in result.checks} == {"not_attempted"}, explain(result)
    assert result.score == 0


@pytest.mark.parametrize("exercise", by_exercise())
def test_each_exercise_has_mutants_that_name_real_checks(exercise: Exercise) -> None:
    assert len(exercise.mutants) >= MIN_MUTANTS
    names = {spec.name for spec in exercise.checks(True)}
    for mutant in exercise.mutants:
        assert mutant.fails and set(mutant.fails) <= names, mutant.path.name


@pytest.mark.parametrize(("exercise", "path"), course_files("mutants"))
def test_each_mutant_is_caught_by_the_checks_it_names(
    graded: Graded, exercise: Exercise, path: Path
) -> None:
    header = next(m for m in exercise.mutants if m.path == path)
    result = graded(exercise)[path.stem]
    statuses = {c.name: c.status for c in result.checks}
    # a mutant that breaks only facts (0-point checks: a sandbox-reported fact earns nothing)
    # is caught by their feedback; any other costs points
    worth = {c.name: c.max_score for c in result.checks}
    assert result.score < result.max_score or all(worth.get(n) == 0 for n in header.fails)
    named = {name: statuses.get(name) for name in header.fails}
    assert all(status in CAUGHT for status in named.values()), explain(result)


@pytest.mark.parametrize(
    ("exercise_id", "mutant", "check_name", "code"),
    EXPLAINED,
    ids=[f"{row[0]}-{row[1]}-{row[2]}" for row in EXPLAINED],
)
def test_named_misconceptions_are_diagnosed(
    graded: Graded, exercise_id: str, mutant: str, check_name: str, code: str
) -> None:
    result = graded(COURSE.get(exercise_id))[mutant]
    check = next(c for c in result.checks if c.name == check_name)
    assert check.status == "failed", explain(result)
    assert check.diagnosis is not None and check.diagnosis.code == code


@pytest.mark.parametrize(
    ("exercise_id", "mutant", "check_name", "code"),
    NAMED_ERRORS,
    ids=[f"{row[0]}-{row[1]}-{row[2]}" for row in NAMED_ERRORS],
)
def test_named_errors_keep_the_error_verdict_and_get_a_name(
    graded: Graded, exercise_id: str, mutant: str, check_name: str, code: str
) -> None:
    result = graded(COURSE.get(exercise_id))[mutant]
    check = next(c for c in result.checks if c.name == check_name)
    assert check.status == "error" and check.score == 0, explain(result)
    assert check.diagnosis is not None and check.diagnosis.code == code
    assert check.diagnosis.slide and check.diagnosis.explanation.startswith("Lecture 06")
    # Correct code raises nothing and is named nothing.
    assert all(c.diagnosis is None for c in graded(COURSE.get(exercise_id))["solution"].checks)


@pytest.mark.parametrize(
    ("exercise_id", "mutant", "lost", "row"),
    [pytest.param(*r, id=f"{r[0]}-{r[1]}") for r in COSTS],
)
def test_a_mistake_costs_what_the_readme_says(
    graded: Graded, exercise_id: str, mutant: str, lost: int, row: str
) -> None:
    result = graded(COURSE.get(exercise_id))[mutant]
    assert result.max_score - result.score == lost, explain(result)
    readme = (harness.ROOT / "exercises" / exercise_id / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith(row)]
    assert len(rows) == 1, f"the README's costs table has one row starting {row!r}"
    assert f"| {lost} of {result.max_score:g} |" in rows[0], rows[0]


@pytest.mark.parametrize("exercise", by_exercise())
def test_the_costs_section_states_the_registry_total(exercise: Exercise) -> None:
    """Each README's costs section gives the exercise's points, public and hidden, as graded."""
    readme = (exercise.folder / "README.md").read_text()
    if "## What each mistake costs" not in readme:
        pytest.skip("this exercise's README has no costs section")
    specs = exercise.checks(True)
    public = sum(s.points for s in specs if not s.hidden)
    hidden = sum(s.points for s in specs if s.hidden)
    total = exercise.max_score(include_hidden=True)
    assert total == public + hidden
    stated = f"worth {total:g} points ({public:g} public, {hidden:g} hidden)"
    assert stated in " ".join(readme.split()), stated


@pytest.mark.parametrize(("exercise_id", "mutant", "check_name"), INVALID)
def test_answers_of_the_wrong_form_are_invalid(
    graded: Graded, exercise_id: str, mutant: str, check_name: str
) -> None:
    result = graded(COURSE.get(exercise_id))[mutant]
    assert next(c for c in result.checks if c.name == check_name).status == "invalid"


@pytest.mark.parametrize("exercise", by_exercise())
def test_hidden_checks_show_no_inputs(graded: Graded, exercise: Exercise) -> None:
    """Whatever a course file did, a hidden check shows one line and no diagnosis evidence."""
    hidden = [c for result in graded(exercise).values() for c in result.checks if c.hidden]
    assert hidden or exercise.hidden_checks_path is None
    for check in hidden:
        assert "\n" not in check.feedback, check.name
        assert check.diagnosis is None or check.diagnosis.evidence == ""
        if exercise.id in HIDDEN_INPUTS:
            assert HIDDEN_INPUTS[exercise.id] not in check.feedback
