"""exercise2's backward probe runs `relu(x).backward(upstream)` without torch's symbolic shapes.

`Tensor.backward(gradient)` imports torch.fx's symbolic shapes and sympy (half a second in every
sandbox) only to compare two shapes; the probe compares them itself and starts the engine call
torch makes next. These tests run it in a fresh interpreter, as a sandbox would (probes loaded
before the submission), and check what it must keep: grad_output is the caller's tensor (an
in-place change shows), the backward-pass counter sees the pass, torch's own error on a
mismatch, and nothing imports sympy.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

IN_PLACE = """
import torch
class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output.mul_((x > 0).to(grad_output.dtype))  # changes grad_output in place
def relu(x):
    return ReLU.apply(x)
"""

PROBE = textwrap.dedent(
    """
    import importlib.util, json, sys, types
    import torch
    from grader.jail.probing import count_backward_passes

    def load(name, path):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    probes = load("probes", "exercises/exercise2/probes.py")  # before the submission, as serve
    student = types.ModuleType("student")
    exec(sys.stdin.read(), student.__dict__)
    x, upstream = torch.tensor([-1.0, 0.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0, 4.0])
    reports = []
    counts = count_backward_passes(
        lambda: reports.append(probes.backward(student, "cpu", x, upstream))
    )
    try:
        probes.backward(student, "cpu", x, torch.ones(3))
        mismatch = None
    except RuntimeError as exc:
        mismatch = str(exc)
    report = reports[0]
    print(json.dumps({
        "grad": report["grad"].tolist(),
        "upstream_after": report["upstream_after"].tolist(),
        "changed": report["upstream_changed"],
        "counts": counts,
        "mismatch": mismatch,
        "sympy": "sympy" in sys.modules,
        "symbolic_shapes": "torch.fx.experimental.symbolic_shapes" in sys.modules,
    }))
    """
)


def run_probe(source: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


@pytest.mark.parametrize("submission", ["reference", "in_place"])
def test_the_backward_probe_keeps_its_meaning_without_sympy(submission: str) -> None:
    source = (
        (ROOT / "reference" / "exercise2" / "solution.py").read_text()
        if submission == "reference"
        else IN_PLACE
    )
    seen = run_probe(source)
    assert seen["grad"] == [0.0, 0.0, 3.0, 4.0]
    # grad_output is the caller's upstream tensor: a backward that changes it in place shows
    assert seen["changed"] is (submission == "in_place")
    assert seen["upstream_after"] == ([0.0, 0.0, 3.0, 4.0] if seen["changed"] else [1, 2, 3, 4])
    assert seen["counts"] == {"grad": 0, "backward": 1, "unseen": 0}
    assert seen["mismatch"] == (
        "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a "
        "shape of torch.Size([4])."
    )
    # the mismatch went through torch's own backward, which imports them; the matching pass not
    assert seen["symbolic_shapes"] is True


def test_a_matching_backward_imports_no_sympy() -> None:
    source = (ROOT / "reference" / "exercise2" / "solution.py").read_text()
    script = PROBE.replace("torch.ones(3)", "torch.ones(4)")
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["mismatch"] is None
    assert seen["sympy"] is False and seen["symbolic_shapes"] is False
