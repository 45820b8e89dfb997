"""Forged facts earn nothing: the submission writes the fact, the grade does not move.

Code in the sandbox's process can always reach the judge's connection, the probes' tables and
their frames, so every fact a probe reports can be forged (these cases do it: a reply rewritten
on its way out, a probe swapped in the loop's table through gc, a probe's record emptied
through its frame). The defence is not to detect it but to give facts no points: each case's
forged fact check *passes*, its plain twin's fails, and the two score the same, because a fact
check is worth 0 (grader.authoring.evidence). If a forgery here stops working (a probe got
harder to fool), the first assertion says so; the score assertion is the invariant.
"""

from __future__ import annotations

import pytest
from hostile import CASES_DIR, Host, grade, read_case

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine

FORGED_FACTS = {
    "reply_forged_by_the_probed_call": "manual_uses_no_autograd",
    "probe_reimplemented_register_hook": "hooks_removed_afterwards",
    "forged_probe_reply_shared_weight": "manual_uses_no_autograd",
    "forged_probe_reply_autograd_use": "computed_by_hand",
    "forged_probe_reply_detached": "activation_is_detached",
    "forged_probe_reply_train_mode": "train_mode_during_training",
    "forged_probe_reply_leaf_parameters": "train_autograd_keeps_leaf_parameters",
    "forged_probe_reply_grad_output": "grad_output_left_unchanged",
    "probe_table_replaced_by_gc": "manual_uses_no_autograd",
    "probe_record_cleared_by_frames": "hooks_removed_afterwards",
}


@pytest.mark.parametrize("name", sorted(FORGED_FACTS))
def test_a_forged_fact_passes_its_check_and_earns_nothing(
    name: str, warm_engine: Engine, registry: Registry, host: Host
) -> None:
    case = read_case(CASES_DIR / f"{name}.py")
    armed = grade(warm_engine, registry, case.exercise, case.text(host.fill()), case.limits)
    plain = grade(warm_engine, registry, case.exercise, case.unarmed(), case.limits)
    fact = FORGED_FACTS[name]
    by_name = {c.name: c for c in armed.checks}
    plain_by_name = {c.name: c for c in plain.checks}
    assert plain_by_name[fact].status == "failed", plain_by_name[fact].feedback
    assert by_name[fact].status == "passed", f"the forgery no longer works: {by_name[fact]}"
    assert by_name[fact].max_score == 0  # a fact check: feedback only
    assert armed.score == plain.score, [
        (c.name, c.status, p.status) for c, p in zip(armed.checks, plain.checks, strict=True)
    ]


def test_an_errors_verdict_does_not_follow_its_text(
    warm_engine: Engine, registry: Registry, host: Host
) -> None:
    """torch's meta-backend wording on the stub's own NotImplementedError changes no verdict."""
    case = read_case(CASES_DIR / "error_text_torch_wording.py")
    armed = grade(warm_engine, registry, case.exercise, case.text(host.fill()), case.limits)
    plain = grade(warm_engine, registry, case.exercise, case.unarmed(), case.limits)
    verdicts = [(c.name, c.status) for c in armed.checks]
    assert verdicts == [(c.name, c.status) for c in plain.checks]
    # the raise is the stub's own statement: on "meta" it is not_attempted, never a tolerated fact
    device_checks = [c for c in armed.checks if c.name.endswith(("_to_device", "_on_device"))]
    assert device_checks and all(c.status == "not_attempted" for c in device_checks), verdicts
    assert armed.score == plain.score
