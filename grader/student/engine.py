"""The engine of one student run: a zygote that preloads only what this exercise uses.

Importing this module does not import torch (nor does `grader.judge.sandbox` or the
registry), so `grade exerciseN` can start the zygote, whose first job is a torch import, before
the judge imports torch for the checks: the two imports run side by side instead of one after
the other. `tests/test_cold_start.py` pins that order.
"""

from __future__ import annotations

from grader.judge.registry import Exercise
from grader.judge.sandbox import PRELOAD, Engine, EngineMode

# What the zygote imports only for exercises that declare them (ExerciseMeta.preload): modules
# torch imports lazily on first use, costly next to torch itself (torch._dynamo alone takes
# longer). A cold `grade exerciseN` waits for its zygote's imports, so it imports only these
# when the exercise's own probes and reference use them: the symbolic shapes (and sympy, about
# a third of a torch import) on a `backward(gradient)` (torch.autograd._make_grads), as
# exercise2's probes do; torch._dynamo on the first `optimizer.step()`. A submission that uses
# one where the exercise does not pays for its import once, inside its call's time limit
# (about 0.4 s here for the symbolic shapes, against 5 s a call). Staff runs (`grade batch`,
# `grade validate`) and the Jupyter engine preload everything.
LAZY_PRELOADS = ("torch.fx.experimental.symbolic_shapes", "torch._dynamo")


# The zygote's last preload: the full preparation pays off over many forks (watch mode); one run
# forks a few sandboxes and takes the light one (grader.jail.zygote.prepare)
PREPARE, PREPARE_ONCE = "grader.jail.prepare_zygote", "grader.jail.prepare_zygote_once"


def student_engine(mode: EngineMode, exercise: Exercise, *, many_runs: bool = False) -> Engine:
    """An engine for one exercise: its zygote preloads what that exercise's sandboxes use, and
    is prepared for one run's few forks unless `many_runs` (watch mode)."""
    wanted = set(exercise.meta.preload)
    last = PREPARE if many_runs else PREPARE_ONCE
    preload = [m for m in PRELOAD if m not in LAZY_PRELOADS or m in wanted]
    return Engine(mode, preload=[last if m == PREPARE else m for m in preload])
