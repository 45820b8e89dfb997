"""The authoring API: the one module exercise authors import from.

    from grader.authoring import Submission, check, expect_tensor, fail

    @check(points=2)
    def gradient_at_zero_is_zero(sub: Submission) -> None:
        \"\"\"relu'(0) is 0: the gradient at exactly zero is not passed through.\"\"\"
        grad = expect_tensor(sub.call("relu_backward", x), expected, "the gradient")

Checks run in the trusted judge. They ask the sandbox for plain data through `Submission` and
decide with the comparison helpers below, which fail closed: NaN, infinity, a wrong type or a
missing value is never a pass. Every comparison of an answer with an expected value goes through
them (`within`, `within_tolerance`, `expect_float`, `expect_tensor`); `tests/test_fail_closed.py`
refuses raw tolerance comparisons and `assert` in check files. `diagnose` names autograd
misconceptions; `gradcheck` compares gradients with central differences; `reports` reads probes'
reports; `fact`, `count`, `flags`, `error_text` read facts, which are feedback only
(grader.authoring.evidence: a check worth points passes on a value comparison);
`@reference_answer` computes a helper's reference answer once per judge process for each
distinct input (`grader.authoring.answers`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from grader.authoring.check import CheckFailure, InvalidAnswer, check, fail
from grader.authoring.reports import count, error_text, fact, flags, report_of
from grader.authoring.submission import Submission
from grader.outputs.models import Diagnosis

if TYPE_CHECKING:
    from grader.authoring import diagnose, gradcheck
    from grader.authoring.answers import ReferenceView, reference_answer
    from grader.authoring.expect import (
        FLOAT32_ATOL,
        FLOAT32_RTOL,
        FLOAT64_REL,
        as_float,
        as_floats,
        as_tensor,
        expect_finite,
        expect_float,
        expect_tensor,
        far_from,
        max_difference,
        non_finite,
        relative_error,
        same_form,
        within,
        within_tolerance,
    )
    from grader.authoring.gradcheck import compare_gradients

# What imports torch is loaded on first use (PEP 562), so that the judge can read the registry
# and start the zygote before it imports torch itself (`grade exerciseN`'s cold start): the
# name, then the module that defines it. A submodule's own name maps to itself.
LAZY = {
    "diagnose": "grader.authoring.diagnose",
    "gradcheck": "grader.authoring.gradcheck",
    "compare_gradients": "grader.authoring.gradcheck",
    "ReferenceView": "grader.authoring.answers",
    "reference_answer": "grader.authoring.answers",
    **dict.fromkeys(
        (
            "FLOAT32_ATOL",
            "FLOAT32_RTOL",
            "FLOAT64_REL",
            "as_float",
            "as_floats",
            "as_tensor",
            "expect_finite",
            "expect_float",
            "expect_tensor",
            "far_from",
            "max_difference",
            "non_finite",
            "relative_error",
            "same_form",
            "within",
            "within_tolerance",
        ),
        "grader.authoring.expect",
    ),
}


def __getattr__(name: str) -> Any:
    if name not in LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(LAZY[name])
    value = module if module.__name__ == f"{__name__}.{name}" else getattr(module, name)
    globals()[name] = value
    return value


__all__ = [
    "FLOAT32_ATOL",
    "FLOAT32_RTOL",
    "FLOAT64_REL",
    "CheckFailure",
    "Diagnosis",
    "InvalidAnswer",
    "ReferenceView",
    "Submission",
    "as_float",
    "as_floats",
    "as_tensor",
    "check",
    "compare_gradients",
    "count",
    "diagnose",
    "error_text",
    "expect_finite",
    "expect_float",
    "expect_tensor",
    "fact",
    "fail",
    "far_from",
    "flags",
    "gradcheck",
    "max_difference",
    "non_finite",
    "reference_answer",
    "relative_error",
    "report_of",
    "same_form",
    "within",
    "within_tolerance",
]
