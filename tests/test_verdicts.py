"""A sandbox's reply cannot set the verdict: only a check that returns normally passes.

A hostile submission writes its own reply frames on the jail's connection, for the very id the
judge is waiting on, claiming every verdict there is (and some that are not), then exits so
that its forged frame is the one read. The judge must read it (the forged message shows up) and
still never record `passed`: a failure reply's `kind` maps only onto the verdicts a sandbox may
report, and the scorer turns any outcome that claims `passed` into `invalid`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from grader.judge.registry import Registry
from grader.judge.sandbox import Engine, Sandbox, SandboxOutcome
from grader.judge.scoring import Source, run_exercise
from grader.outputs.models import VERDICTS, Limits

LIMITS = Limits(import_s=10, call_s=5, total_s=30, cpu_s=20, memory_mb=2048, output_kb=4, file_mb=1)

FORGER = textwrap.dedent(
    """
    import gc
    import os
    from multiprocessing.connection import Connection

    from grader.wire.protocol import encode


    def forge(reply, rid):
        frame = encode({"id": rid, **reply})
        for conn in [o for o in gc.get_objects() if isinstance(o, Connection)]:
            try:
                conn.send_bytes(frame)
            except OSError:
                pass
        os._exit(0)  # the forged frame is the last word
    """
)

# What a failure reply's kind may become: the sandbox reports these itself; any other reply is
# malformed (grader.wire.messages.read_reply): `invalid`, and the sandbox is killed.
SANDBOX_KINDS = {"error", "not_attempted", "memory", "invalid"}
MALFORMED = "was malformed"


def forged_outcome(engine: Engine, reply: dict[str, Any]) -> SandboxOutcome | Any:
    """Import FORGER in a fresh sandbox, call forge(reply) as request 1; what the judge got."""
    with Sandbox(engine, LIMITS, "cpu", "student.py", "student") as box:
        box.request("import", LIMITS.import_s, "importing", source=FORGER)  # request 0
        try:
            return box.request(
                "call", LIMITS.call_s, "calling forge", name="forge", args=(reply, 1), kwargs={}
            )
        except SandboxOutcome as outcome:
            return outcome


@pytest.mark.parametrize("kind", [*VERDICTS, "PASSED", "ok", "", None, 1, True])
def test_a_forged_failure_reply_never_passes(engine: Engine, kind: object) -> None:
    reply = {"ok": False, "kind": kind, "message": f"FORGED {kind}", "traceback": ""}
    outcome = forged_outcome(engine, reply)
    assert isinstance(outcome, SandboxOutcome)
    if isinstance(kind, str) and kind in SANDBOX_KINDS:
        assert f"FORGED {kind}" in outcome.message  # the forged frame was the one read
        assert outcome.verdict == kind
    else:
        assert MALFORMED in outcome.message and outcome.verdict == "invalid"


@pytest.mark.parametrize("ok", [1, "true", "passed", None, [True]])
def test_a_reply_whose_ok_is_not_true_is_no_answer(engine: Engine, ok: object) -> None:
    outcome = forged_outcome(engine, {"ok": ok, "kind": "passed", "value": 6.0, "message": "F"})
    assert isinstance(outcome, SandboxOutcome) and outcome.verdict == "invalid"
    assert MALFORMED in outcome.message


def test_a_reply_for_another_id_is_malformed(engine: Engine) -> None:
    with Sandbox(engine, LIMITS, "cpu", "student.py", "student") as box:
        box.request("import", LIMITS.import_s, "importing", source=FORGER)
        with pytest.raises(SandboxOutcome) as caught:
            box.request(
                "call",
                LIMITS.call_s,
                "calling forge",
                name="forge",
                args=({"ok": True, "value": "passed"}, 7),
                kwargs={},
            )
    assert caught.value.verdict == "invalid" and "malformed" in caught.value.message


# ---- end to end: the scorer --------------------------------------------------------------

CHECKS = """
from grader.authoring import check, expect_float
from grader.judge.sandbox import SandboxOutcome


@check(points=1)
def doubles_three(sub):
    \"\"\"double(3) is 6.\"\"\"
    expect_float(sub.call("double", 3.0), 6.0)


@check(points=1)
def outcome_claiming_passed(sub):
    \"\"\"An outcome that claims `passed` (however it came about) is not a pass.\"\"\"
    raise SandboxOutcome("passed", "claims to have passed")
"""


def course(root: Path) -> Registry:
    folder = root / "exercises" / "exercise7"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        'id = "exercise7"\ntitle = "doubling"\norder = 7\nfunctions = ["double"]\n'
    )
    (folder / "exercise7.py").write_text("def double(x):\n    raise NotImplementedError\n")
    (folder / "checks.py").write_text(CHECKS)
    return Registry(root)


@pytest.mark.parametrize("kind", ["passed", "timeout", "crashed", "not_attempted"])
def test_a_submission_forging_its_reply_scores_nothing(
    engine: Engine, tmp_path: Path, kind: str
) -> None:
    source = FORGER + (
        "\n\ndef double(x):\n"
        f"    forge({{'ok': False, 'kind': {kind!r}, 'message': 'FORGED'}}, 1)\n"
    )
    exercise = course(tmp_path).get("exercise7")
    result = run_exercise(engine, exercise, Source(source.encode(), "exercise7.py"))
    by_name = {c.name: c for c in result.checks}
    forged = by_name["doubles_three"]
    assert forged.status != "passed"
    if kind in SANDBOX_KINDS:
        assert "FORGED" in forged.feedback and forged.status == kind
    else:
        assert MALFORMED in forged.feedback and forged.status == "invalid"
    assert by_name["outcome_claiming_passed"].status == "invalid"
    assert result.score == 0
