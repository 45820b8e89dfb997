"""GPU grading (issue 6): what holds on every machine, and what needs a CUDA device.

Always, CPU-only CI included:
- `--device cuda` without CUDA is a usage error: exit code 2 and one line;
- `--gpu-concurrency` bounds the judges of a CUDA batch (CUDA faked for the CLI's wiring);
- every probe uses its `device` argument, unless listed in DEVICE_INDEPENDENT with why;
- the device diagnoses of the CPU/GPU agreement checks of exercise11 and exercise12, driven on
  "meta" (which raises on mixed devices as CUDA does) and on the reports a CUDA run produces;
- out of memory inside a probe is never swallowed as a device fact.
With a CUDA device (marked `gpu`; skipped with the reason elsewhere): `grade validate --device
cuda` for every exercise; student code receives CUDA tensors; exercise11/12 agree with the CPU
and name the device mistakes; CUDA OOM in a call is `memory` and the next sandbox finds the
memory back; `--gpu-concurrency 1` keeps one sandbox on the GPU at a time.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from course_harness import InProcess, Outcome
from typer.testing import CliRunner

import grader.staff.options
from grader.authoring.check import CheckFailure, InvalidAnswer
from grader.cli import app
from grader.judge.registry import Exercise, Registry
from grader.judge.sandbox import Sandbox, SandboxOutcome
from grader.judge.scoring import Source, run_exercise
from grader.outputs.models import Limits

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

HAS_CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(
    not HAS_CUDA,
    reason="needs a CUDA device: torch.cuda.is_available() is False on this machine "
    "(CI is CPU-only; run benchmarks/gpu_check.sh or `pytest -m gpu` on a GPU machine)",
)

# Probes that may ignore their `device` argument, per exercise, and why.
DEVICE_INDEPENDENT: dict[str, tuple[frozenset[str], str]] = {
    "exercise1": (
        frozenset({"backward_passes", "called_twice"}),
        "inputs and answers are Python floats; the student's function makes its own tensors",
    ),
    "exercise3": (
        frozenset({"central_difference_of", "rule_derivative"}),
        "Python functions of Python floats: no tensor is involved",
    ),
    "exercise4": (
        frozenset({"backward_passes", "hooks_left", "called_twice"}),
        "inputs and answers are Python floats; the student's function makes its own tensors",
    ),
    "exercise5": (
        frozenset({"backward_passes"}),
        "inputs and answers are Python floats; the student's function makes its own tensors",
    ),
    "exercise10": (
        frozenset({"initial_state", "forward_values", "manual_backward", "train_curve"}),
        "the notebook's ADALINEs take no device and make their tensors on torch's default "
        "device, so they run on the CPU whatever the grading device (same checks, same values)",
    ),
}

# The CPU/GPU agreement check of each device exercise (hidden: it runs the reference).
AGREEMENT = {
    "exercise11": "hidden_one_epoch_on_the_device_matches_the_cpu",
    "exercise12": "hidden_adaline_epoch_on_the_device_matches_the_cpu",
}
DEVICE_MISTAKES = [
    ("exercise11", "targets_not_moved", "targets_not_on_device"),
    ("exercise11", "model_to_cpu", "model_not_on_device"),
    ("exercise12", "targets_not_moved", "targets_not_on_device"),
    ("exercise12", "features_not_moved", "features_not_on_device"),
    ("exercise12", "hard_coded_cpu", "model_not_on_device"),
]


@pytest.fixture(scope="module")
def course() -> Registry:
    return Registry(ROOT)


def invoke(*args: str) -> Any:
    return runner.invoke(app, [*args, "--root", str(ROOT)])


# --- the command line without CUDA ----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["exercise2", "--device", "cuda"],
        ["exercise2", "--device", "cuda:0"],
        ["validate", "exercise2", "--device", "cuda"],
        ["batch", "{folder}", "--device", "cuda"],
    ],
    ids=["check", "check-cuda0", "validate", "batch"],
)
def test_device_cuda_without_cuda_is_a_one_line_usage_error(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = invoke(*[a.format(folder=tmp_path) for a in args])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and "no CUDA" in lines[0], result.output


def test_device_auto_without_cuda_grades_on_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    solution = ROOT / "reference" / "exercise2" / "solution.py"
    result = invoke("exercise2", "--file", str(solution), "--device", "auto", "--json")
    assert result.exit_code == 0, result.output
    assert '"device": "cpu"' in result.stdout


class StopBatch(Exception):
    """Raised by the stand-in for grade_folder once it has seen its arguments."""


@pytest.mark.parametrize(
    ("device", "gpus", "concurrency", "workers", "judges"),
    [
        ("cuda", 1, 1, 8, 1),
        ("cuda", 2, 1, 8, 2),
        ("cuda", 1, 3, 8, 3),
        ("cuda", 1, 4, 2, 2),
        ("cpu", 1, 1, 8, 8),
    ],
)
def test_gpu_concurrency_bounds_the_judges_of_a_batch(
    device: str, gpus: int, concurrency: int, workers: int, judges: int,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Each judge runs one sandbox at a time: judges = min(workers, concurrency x GPUs)."""
    seen: dict[str, Any] = {}

    def grade_folder(registry: Any, folder: Path, settings: Any, count: int, **_: Any) -> Any:
        seen.update(device=settings.device, judges=count)
        raise StopBatch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
    monkeypatch.setattr(grader.staff.options, "grade_folder", grade_folder)  # where batch calls it
    result = invoke("batch", str(tmp_path), "--device", device, "--workers", str(workers),
                    "--gpu-concurrency", str(concurrency))  # fmt: skip
    assert isinstance(result.exception, StopBatch), result.output
    assert seen == {"device": device, "judges": judges}


def test_gpu_concurrency_below_one_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("batch", str(tmp_path), "--gpu-concurrency", "0")
    assert result.exit_code == 2


# --- probes use the device they are given -------------------------------------------------


def probe_functions(path: Path) -> dict[str, ast.FunctionDef]:
    """Module-level public functions whose first parameter is `student`: the probes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")
        and [a.arg for a in node.args.args[:1]] == ["student"]
    }


def uses_name(function: ast.FunctionDef, name: str) -> bool:
    """Whether `name` is read anywhere in the body (docstrings do not count)."""
    return any(
        isinstance(node, ast.Name) and node.id == name
        for statement in function.body
        for node in ast.walk(statement)
    )


def exercises_with_probes() -> list[str]:
    return [e.id for e in Registry(ROOT).exercises() if e.probes_path is not None]


@pytest.mark.parametrize("exercise_id", exercises_with_probes())
def test_probes_take_the_device_and_use_it(course: Registry, exercise_id: str) -> None:
    path = course.get(exercise_id).probes_path
    assert path is not None
    probes = probe_functions(path)
    assert probes, f"{path} defines no probe"
    exempt, reason = DEVICE_INDEPENDENT.get(exercise_id, (frozenset(), ""))
    assert exempt <= set(probes), f"DEVICE_INDEPENDENT names no such probe: {exempt - set(probes)}"
    for name, function in probes.items():
        assert [a.arg for a in function.args.args[:2]] == ["student", "device"], name
        if name in exempt:
            assert reason and not uses_name(function, "device"), (
                f"{exercise_id}.{name} uses its device now: take it off DEVICE_INDEPENDENT"
            )
        else:
            assert uses_name(function, "device"), (
                f"{exercise_id}.{name} ignores `device`: create its tensors and models there, "
                "or list it in DEVICE_INDEPENDENT with the reason"
            )


def test_every_exemption_is_an_exercise_with_probes() -> None:
    assert set(DEVICE_INDEPENDENT) <= set(exercises_with_probes())


# --- device diagnoses of the agreement checks, on "meta" and on CUDA-shaped reports ----------


def run_check(exercise: Exercise, path: Path, name: str, device: str) -> tuple[str, str]:
    """One check's (verdict, diagnosis code or '') for a course file graded on `device`."""
    spec = next(spec for spec in exercise.checks() if spec.name == name)
    try:
        spec.function(InProcess(exercise, path, device))  # type: ignore[arg-type]
    except Outcome as outcome:
        return outcome.verdict, ""
    except CheckFailure as failure:
        return "failed", failure.diagnosis.code if failure.diagnosis else ""
    except InvalidAnswer:
        return "invalid", ""
    return "passed", ""


@pytest.mark.parametrize(("exercise_id", "mutant", "code"), DEVICE_MISTAKES)
def test_agreement_names_the_device_mistake_off_the_cpu(
    course: Registry, exercise_id: str, mutant: str, code: str
) -> None:
    """Graded off the CPU ("meta" here, CUDA on a GPU), the mistake is named, not just an error."""
    path = ROOT / "reference" / exercise_id / "mutants" / f"{mutant}.py"
    exercise = course.get(exercise_id)
    assert run_check(exercise, path, AGREEMENT[exercise_id], "meta") == ("failed", code)


@pytest.mark.parametrize("exercise_id", sorted(AGREEMENT))
def test_agreement_holds_on_the_cpu_for_the_reference(course: Registry, exercise_id: str) -> None:
    exercise = course.get(exercise_id)
    assert exercise.solution is not None
    assert run_check(exercise, exercise.solution, AGREEMENT[exercise_id], "cpu") == ("passed", "")


def cuda_report(**devices: list[list[str]]) -> dict[str, Any]:
    """A probe report as a CUDA run of a correct loop gives it, with some devices replaced."""
    report: dict[str, Any] = {
        "model_parameters": [["cuda"]],
        "model_inputs": [["cuda"]],
        "loss_inputs": [["cuda", "cuda"]],
        "error": None,
    }
    return {**report, **devices}


@pytest.mark.parametrize("exercise_id", sorted(AGREEMENT))
@pytest.mark.parametrize(
    ("devices", "code"),
    [
        ({}, None),
        ({"model_parameters": [["cpu"]], "model_inputs": [["cpu"]]}, "model_not_on_device"),
        ({"model_inputs": [["cpu"]]}, "features_not_on_device"),
        ({"loss_inputs": [["cuda", "cpu"]]}, "targets_not_on_device"),
    ],
    ids=["correct", "hard-coded-cpu", "features", "targets"],
)
@pytest.mark.parametrize("target", ["cuda", "cuda:0", "cuda:1"])
def test_device_diagnosis_of_a_cuda_run(
    course: Registry, exercise_id: str, devices: dict[str, Any], code: str | None, target: str
) -> None:
    """On CUDA a hard-coded "cpu" raises nothing (all runs on the CPU): the devices tell."""
    checks = course.get(exercise_id).module("checks")
    diagnosis = checks.explain_devices(cuda_report(**devices), target)
    assert (diagnosis.code if diagnosis else None) == code


class OutOfMemory:
    """A submission whose every function runs out of GPU memory."""

    @staticmethod
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 GiB")


@pytest.mark.parametrize(
    ("exercise_id", "probe", "args"),
    [
        ("exercise11", "device_epoch", ("blobs", "meta")),
        ("exercise12", "adaline_epoch", ("meta",)),
        ("exercise12", "one_step", ("regression", "meta")),
    ],
)
def test_out_of_memory_is_never_recorded_as_a_device_fact(
    course: Registry, exercise_id: str, probe: str, args: tuple[str, ...]
) -> None:
    """The probe lets OOM through, so the sandbox answers `memory`, not a failed device check."""
    student = types.ModuleType("student")
    student.train = student.train_step = OutOfMemory.fail  # type: ignore[attr-defined]
    probes = course.get(exercise_id).probes
    with pytest.raises(torch.OutOfMemoryError):
        getattr(probes, probe)(student, "cpu", *args)


# --- with a CUDA device ---------------------------------------------------------------------


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("exercise_id", Registry(ROOT).ids())
def test_validate_passes_on_cuda(exercise_id: str) -> None:
    result = invoke("validate", exercise_id, "--device", "cuda")
    assert result.exit_code == 0, result.output


ON_CUDA_ONLY = """
import functools as _functools


def _on_cuda(function):
    @_functools.wraps(function)
    def checked(*args, **kwargs):
        for value in [*args, *kwargs.values()]:
            if isinstance(value, torch.Tensor) and value.device.type != "cuda":
                raise RuntimeError(f"a tensor on {value.device} reached {function.__name__}")
        return function(*args, **kwargs)
    return checked
"""


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize(
    ("exercise_id", "functions"),
    [
        ("exercise2", ("relu",)),  # through probes
        ("exercise6", ("path_terms", "grad_W1")),  # through calls and a probe
        ("exercise9", ("multiclass_loss", "binary_loss")),  # through calls and a probe
    ],
)
def test_student_code_receives_cuda_tensors(
    engine: Any, course: Registry, exercise_id: str, functions: tuple[str, ...]
) -> None:
    exercise = course.get(exercise_id)
    assert exercise.solution is not None
    source = exercise.solution.read_text(encoding="utf-8") + ON_CUDA_ONLY
    source += "".join(f"\n{name} = _on_cuda({name})\n" for name in functions)
    result = run_exercise(engine, exercise, Source(source.encode(), f"{exercise_id}.py"),
                          device="cuda")  # fmt: skip
    failed = {c.name: c.feedback for c in result.checks if c.status != "passed"}
    assert result.device == "cuda" and failed == {}


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize(
    ("exercise_id", "file", "code"),
    [("exercise11", "solution", None), ("exercise12", "solution", None)]
    + [(e, f"mutants/{m}", code) for e, m, code in DEVICE_MISTAKES],
)
def test_cpu_gpu_agreement_on_cuda(
    engine: Any, course: Registry, exercise_id: str, file: str, code: str | None
) -> None:
    exercise = course.get(exercise_id)
    path = ROOT / "reference" / exercise_id / f"{file}.py"
    result = run_exercise(engine, exercise, Source(path.read_bytes(), f"{exercise_id}.py"),
                          device="cuda")  # fmt: skip
    by_name = {c.name: c for c in result.checks}
    agreement = by_name[AGREEMENT[exercise_id]]
    if code is None:
        assert result.score == result.max_score, [c.feedback for c in result.checks]
    else:
        assert agreement.status == "failed", agreement.feedback
        assert agreement.diagnosis is not None and agreement.diagnosis.code == code


FILL_GPU = """
import torch
KEEP = []
def fill(device):
    while True:
        KEEP.append(torch.empty(1 << 30, dtype=torch.uint8, device=device))
"""
FREE_GPU = """
import torch
def free(device):
    torch.ones(1, device=device)  # make this sandbox's own context, as a student's code would
    return torch.cuda.mem_get_info()[0]
"""


def call_in_sandbox(engine: Any, source: str, name: str) -> Any:
    limits = Limits(import_s=60, call_s=120)
    with Sandbox(engine, limits, "cuda", "student.py", "student") as box:
        box.request("import", limits.import_s, "importing student.py", source=source)
        return box.request("call", limits.call_s, f"calling {name}", name=name, args=("cuda",),
                           kwargs={})  # fmt: skip


@pytest.mark.gpu
@needs_cuda
def test_cuda_out_of_memory_is_memory_and_the_next_sandbox_has_it_back(engine: Any) -> None:
    before = call_in_sandbox(engine, FREE_GPU, "free")
    with pytest.raises(SandboxOutcome) as outcome:
        call_in_sandbox(engine, FILL_GPU, "fill")
    assert outcome.value.verdict == "memory", outcome.value.message
    deadline = time.monotonic() + 3.0
    after = call_in_sandbox(engine, FREE_GPU, "free")
    while after < before - (256 << 20) and time.monotonic() < deadline:
        time.sleep(0.2)
        after = call_in_sandbox(engine, FREE_GPU, "free")
    assert after >= before - (256 << 20), f"free {before >> 20} MiB before, {after >> 20} after"


HOLD_MIB = 8192
HOLD_GPU = f"""
import time as _time
_HELD = []
_relu = relu


def relu(x):
    if not _HELD:  # once per sandbox: hold a block for a second, then give it back
        _HELD.append(True)
        block = torch.empty({HOLD_MIB} << 20, dtype=torch.uint8, device=x.device)
        torch.cuda.synchronize()
        _time.sleep(1.0)
        del block
        torch.cuda.empty_cache()
    return _relu(x)
"""


@pytest.fixture
def gpu_memory_peak() -> Iterator[Callable[[], int]]:
    """Polls nvidia-smi: yields a function giving the peak used memory (MiB) over the baseline.

    Each sandbox of the test holds its block for one second and frees it itself, so that the
    driver's teardown of a finished sandbox cannot overlap the next one's block.
    """
    if shutil.which("nvidia-smi") is None:
        pytest.skip("needs nvidia-smi to watch the GPU's memory")

    def used() -> int:
        query = ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"]
        out = subprocess.run(query, capture_output=True, text=True, timeout=10, check=True)
        return sum(int(line) for line in out.stdout.split())

    baseline, samples, done = used(), [0], threading.Event()

    def poll() -> None:
        while not done.is_set():
            samples.append(used() - baseline)
            time.sleep(0.05)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    yield lambda: max(samples)
    done.set()
    watcher.join(timeout=15)


@pytest.mark.gpu
@needs_cuda
def test_gpu_concurrency_one_keeps_one_sandbox_on_the_gpu(
    course: Registry, tmp_path: Path, gpu_memory_peak: Callable[[], int]
) -> None:
    solution = course.get("exercise2").solution
    assert solution is not None
    folder = tmp_path / "submissions"
    for student in ("ann", "ben", "cat", "dan"):
        (folder / student).mkdir(parents=True)
        (folder / student / "exercise2.py").write_text(solution.read_text() + HOLD_GPU)
    result = invoke("batch", str(folder), "--device", "cuda", "--gpu-concurrency", "1",
                    "--workers", "4", "--db", str(tmp_path / "book.sqlite"), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.count('"exercise": "exercise2"') == 4
    peak = gpu_memory_peak()
    assert peak >= HOLD_MIB, f"the watcher never saw a sandbox's {HOLD_MIB} MiB (peak {peak})"
    assert peak < 2 * HOLD_MIB, f"{peak} MiB in use at once: more than one sandbox on the GPU"
