"""Helpers for probes: runs inside the sandbox; reports facts, decides nothing.

An exercise's probes.py runs in the sandbox next to the student's code and answers the judge
with plain data. What several probes watch the same way lives here: the backward passes
autograd's engine runs, facts about tensors and modules, the device a value is on, and which
errors raised off the CPU are facts for the judge rather than the verdict. This module imports
only torch, the standard library and the zygote's cache of compiled sources
(`grader.jail.zygote.compiled`), and keeps no state between calls.

Student code shares the process, so every fact here is read through something it cannot
override: the sandbox loads a private copy of this module before importing the submission
(`private_copy`), which captures torch's C-level accessors at load time (`type(x)`, the
descriptors of `torch._C.TensorBase`, a module's own `__dict__`), and the backward-pass count
is checked against the engine's own graph-task counter, which no Python reference bypasses.
"""

from __future__ import annotations

import builtins
import dis
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import torch
from torch.autograd.variable import Variable

from grader.jail.zygote import compiled

ERROR_CHARS = 300  # an error recorded as a fact is cut to this length

# Captured when this module is loaded: in the sandbox, before any student code runs.
_ENGINE = Variable._execution_engine
_RUN_BACKWARD = _ENGINE.run_backward
_GRAPH_TASK_ID = torch._C._current_graph_task_id
_GRAD_ENABLED, _SET_GRAD_ENABLED = torch._C.is_grad_enabled, torch._C._set_grad_enabled
_FUNCTIONS = torch._C._VariableFunctions
_TENSOR = torch._C.TensorBase
_FIELDS: dict[str, Any] = dict(vars(torch._C.TensorBase))  # C-level descriptors (immutable type)
_REQUIRES_GRAD = _FIELDS["requires_grad"].__get__
_IS_LEAF = _FIELDS["is_leaf"].__get__
_GRAD_FN = _FIELDS["grad_fn"].__get__
_GRAD = _FIELDS["grad"].__get__
_DEVICE = _FIELDS["device"].__get__
_BACKWARD_HOOKS = _FIELDS["_backward_hooks"].__get__
_MODULE = torch.nn.Module
_MODULE_STATE = torch.nn.Module.__dict__["__dict__"].__get__  # the instance's own __dict__


def private_module(module: types.ModuleType, imports: dict[str, Any] | None = None) -> Any:
    """A fresh copy of `module` run from its source, not in sys.modules, with private builtins
    whose `from X import ...` gives `imports[X]` (where it has every name imported)."""
    path = Path(str(module.__file__))
    copy = types.ModuleType(module.__name__)
    copy.__file__ = str(path)
    copy.__dict__["__builtins__"] = builtins_importing(imports or {})
    code = compiled(path.read_text(encoding="utf-8"), str(path))  # the zygote compiled it
    exec(code, copy.__dict__)  # noqa: S102
    return copy


def builtins_importing(imports: dict[str, Any]) -> dict[str, Any]:
    """A private copy of the builtins whose `from X import a, b` gives `imports[X]` when it has
    `a` and `b`; every other import is the real one."""
    real_import = builtins.__import__

    def import_(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
                level: int = 0) -> Any:  # fmt: skip
        given = imports.get(name) if level == 0 and fromlist else None
        if given is not None and all(hasattr(given, item) for item in fromlist):
            return given
        return real_import(name, globals, locals, fromlist, level)

    private = dict(vars(builtins))
    private["__import__"] = import_
    return private


def private_copy() -> types.ModuleType:
    """A fresh copy of this module, not in sys.modules, with private builtins.

    The sandbox loads it (and the exercise's probes against it) before the submission is
    imported, so rebinding `grader.jail.probing.<name>` or a builtin changes nothing it uses.
    """
    copy: types.ModuleType = private_module(sys.modules[__name__])
    return copy


def private_builtins(helpers: types.ModuleType) -> dict[str, Any]:
    """Builtins for a probes module: a private copy whose `import` of `grader.jail.probing`
    (`from grader.jail import probing`, `from grader.jail.probing import x`) gives `helpers`."""
    package = types.ModuleType("grader.jail")
    package.probing = helpers  # type: ignore[attr-defined]
    return builtins_importing({__name__: helpers, "grader.jail": package})


# ---- backward passes -------------------------------------------------------------------------


class _CountingEngine:
    """Stands in for autograd's engine and records each backward pass it runs.

    `torch.autograd.grad` runs the engine with accumulate_grad=False (gradients are returned);
    `Tensor.backward` / `torch.autograd.backward` with accumulate_grad=True (they go to `.grad`).
    The engine it forwards to is held in a closure, not in an attribute.
    """

    def __init__(self, runs: list[str]) -> None:
        def run_backward(*args: Any, **kwargs: Any) -> Any:
            accumulate = kwargs.get("accumulate_grad", args[6] if len(args) > 6 else True)
            runs.append("backward" if accumulate else "grad")
            return _RUN_BACKWARD(*args, **kwargs)

        self.run_backward = run_backward

    def __getattr__(self, name: str) -> Any:
        return getattr(_ENGINE, name)


def graph_tasks_started() -> int:
    """How many backward passes (graph tasks) autograd's engine has started in this process.

    The engine numbers every graph task from one C++ counter, whatever Python object started
    it and on whichever thread, and the number is readable only inside a pass: this runs a
    one-node pass of its own and reads it there (so each call starts one more).
    """
    seen: list[int] = []
    enabled = _GRAD_ENABLED()
    _SET_GRAD_ENABLED(True)
    try:
        leaf = _FUNCTIONS.zeros((), requires_grad=True)
        out = _FUNCTIONS.mul(leaf, 1.0)
        _GRAD_FN(out).register_prehook(lambda grads: seen.append(_GRAPH_TASK_ID()))
        _RUN_BACKWARD((out,), (_FUNCTIONS.ones(()),), False, False, (leaf,), False, False)
    finally:
        _SET_GRAD_ENABLED(enabled)
    if len(seen) != 1 or type(seen[0]) is not int or seen[0] < 0:
        raise RuntimeError("autograd's graph-task counter could not be read")
    return seen[0]


@contextmanager
def watching_backward_passes() -> Iterator[list[str]]:
    """Within the block, note each backward pass: "grad" (autograd.grad) or "backward"; and,
    on leaving it, one "unseen" for each pass the engine ran that did not go through
    `Variable._execution_engine` (a reference to the engine saved earlier, another engine
    object, a patched `Variable`): the count is then known to be incomplete.

    The original engine is put back on leaving the block, whatever happens inside it.
    """
    runs: list[str] = []
    before = graph_tasks_started()
    Variable._execution_engine = _CountingEngine(runs)  # type: ignore[assignment]
    try:
        yield runs
    finally:
        Variable._execution_engine = _ENGINE
        seen = len(runs)
        ran = graph_tasks_started() - before - 1
        runs.extend(["unseen"] * max(0, ran - seen))


def count_backward_passes(call: Callable[[], object]) -> dict[str, int]:
    """Run `call()` once; how many backward passes autograd.grad and backward ran in it, and
    how many ran that the count could not attribute ("unseen": the engine was bypassed)."""
    with watching_backward_passes() as runs:
        call()
    return {kind: runs.count(kind) for kind in ("grad", "backward", "unseen")}


# ---- facts about tensors and modules ---------------------------------------------------------


def is_tensor(value: object) -> bool:
    """Whether `value` really is a tensor (its type, not what `__class__` or isinstance say)."""
    return issubclass(type(value), _TENSOR)


def tensor_facts(value: object) -> dict[str, Any] | None:
    """requires_grad, is_leaf, grad_fn (its type's name) and the device, read with torch's own
    C-level descriptors (a subclass's properties cannot answer); None for a non-tensor."""
    if not is_tensor(value):
        return None
    grad_fn = _GRAD_FN(value)
    return {
        "requires_grad": bool(_REQUIRES_GRAD(value)),
        "is_leaf": bool(_IS_LEAF(value)),
        "grad_fn": None if grad_fn is None else type(grad_fn).__name__,
        "device": _DEVICE(value).type,
    }


def grad_of(value: object) -> torch.Tensor | None:
    """A tensor's `.grad`, read with the C-level descriptor; None for a non-tensor."""
    return _GRAD(value) if is_tensor(value) else None


def requires_grad(value: object) -> bool:
    """Whether `value` is a tensor that requires grad (C-level descriptor)."""
    return is_tensor(value) and bool(_REQUIRES_GRAD(value))


def backward_hook_count(value: object) -> int:
    """How many tensor hooks `value` holds (C-level `_backward_hooks`); 0 for a non-tensor."""
    if not is_tensor(value):
        return 0
    hooks = _BACKWARD_HOOKS(value)
    return 0 if hooks is None else len(dict.keys(hooks)) if isinstance(hooks, dict) else -1


def is_module(value: object) -> bool:
    """Whether `value` really is an nn.Module (by its type, not by what it says)."""
    return issubclass(type(value), _MODULE)


def is_instance(value: object, kind: type) -> bool:
    """isinstance by the value's real type: a `__class__` property does not count."""
    return issubclass(type(value), kind)


def module_state(module: torch.nn.Module) -> dict[str, Any]:
    """A module's own instance dictionary (its `_modules`, `_parameters`, `training`), read
    with nn.Module's own `__dict__` descriptor: no `__getattr__` or property of the class."""
    return _MODULE_STATE(module)  # type: ignore[no-any-return]


def submodules(module: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    """The module and every module beneath it, by dotted name ("" for the module itself), in
    registration order, each once: read from each one's own `_modules` dictionary."""
    found: list[tuple[str, torch.nn.Module]] = []
    seen: set[int] = set()

    def walk(prefix: str, current: torch.nn.Module) -> None:
        if id(current) in seen:
            return
        seen.add(id(current))
        found.append((prefix, current))
        children = module_state(current).get("_modules")
        for name, child in dict.items(children) if type(children) is dict else ():
            if is_module(child):
                walk(f"{prefix}.{name}" if prefix else str(name), child)

    if is_module(module):
        walk("", module)
    return found


def children(module: torch.nn.Module) -> list[torch.nn.Module]:
    """The module's direct submodules, from its own `_modules` dictionary."""
    kids = module_state(module).get("_modules") if is_module(module) else None
    return [c for c in dict.values(kids) if is_module(c)] if type(kids) is dict else []


def registered_parameters(module: torch.nn.Module) -> list[tuple[str, torch.Tensor]]:
    """Every parameter registered in the module tree, by dotted name, each tensor once: what
    `named_parameters()` would give, read from each module's own `_parameters` dictionary."""
    found: list[tuple[str, torch.Tensor]] = []
    seen: set[int] = set()
    for prefix, current in submodules(module):
        params = module_state(current).get("_parameters")
        for name, param in dict.items(params) if type(params) is dict else ():
            if is_tensor(param) and id(param) not in seen:
                seen.add(id(param))
                found.append((f"{prefix}.{name}" if prefix else str(name), param))
    return found


def training_flags(module: torch.nn.Module) -> list[bool | None]:
    """The `training` flag of the module and of every submodule, from their own dictionaries
    (a flag that is missing or not a bool reads as None, which no check takes for either)."""
    flags: list[bool | None] = []
    for _, current in submodules(module):
        flag = module_state(current).get("training")
        flags.append(flag if type(flag) is bool else None)
    return flags


def grad_enabled() -> bool:
    """Whether grad mode is on in this thread (torch's C-level flag, bound at load time)."""
    return bool(_GRAD_ENABLED())


def device_of(value: object) -> str:
    """The device type ("cpu", "cuda", "meta") of a tensor, else the value's type name."""
    return _DEVICE(value).type if is_tensor(value) else type(value).__name__


# ---- errors off the CPU ----------------------------------------------------------------------


def tolerated(exc: BaseException, target: str) -> bool:
    """Whether an error on `target` is reported as a fact rather than raised.

    On the CPU nothing is (the student's error is the verdict); elsewhere an `Exception` is a
    fact for the judge (device mix-ups are what the device checks look for), but the stub's
    NotImplementedError and running out of memory keep their own verdicts. Decided by the
    exception's type alone, never by its message.
    """
    if target == "cpu" or not isinstance(exc, Exception):
        return False
    out_of_memory = (MemoryError, getattr(torch.cuda, "OutOfMemoryError", MemoryError))
    if isinstance(exc, out_of_memory):
        return False
    return not (isinstance(exc, NotImplementedError) and raised_by_a_raise_statement(exc))


_TORCH_FOLDER = str(Path(torch.__file__).resolve().parent)


def raised_by_a_raise_statement(exc: BaseException) -> bool:
    """Whether `exc` left a `raise` statement of code outside torch (a stub's
    `raise NotImplementedError(...)`), rather than torch's own C++ (meta's "no data").

    Read from where the innermost frame stopped, never from the message: a stub raises with
    RAISE_VARARGS; a NotImplementedError out of a torch call stops at the call instruction.
    """
    tb = exc.__traceback__
    if tb is None:  # never raised: nothing says torch raised it, so it keeps the stub's verdict
        return True
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    if str(Path(code.co_filename).resolve()).startswith(_TORCH_FOLDER):
        return False
    for instruction in dis.get_instructions(code):
        if instruction.offset == tb.tb_lasti:
            return instruction.opname in ("RAISE_VARARGS", "RERAISE")
    return False


class ErrorFact:
    """A block whose tolerated error (an `Exception`, see `tolerated`) becomes a fact.

        with ErrorFact(target) as raised:
            result = student.train_step(...)
        report["error"] = raised.text  # "TypeError: ..." or None

    Any other exception leaves the block unchanged. The text is feedback only: no check may
    treat an error as harmless because of what its message says.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self.text: str | None = None

    def __enter__(self) -> ErrorFact:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if exc is None or not tolerated(exc, self.target):
            return False
        self.text = f"{type(exc).__name__}: {_message(exc)}"[:ERROR_CHARS]
        return True


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - a student's exception may refuse to print
        return "(its message could not be read)"


@contextmanager
def meta_scalars(target: str) -> Iterator[None]:
    """On "meta", let `item()`, `float()`, `int()`, `tolist()` and `cpu()` of a meta tensor
    give placeholder values instead of raising, so that a correct loop runs to its end and no
    error on "meta" needs to be excused (elsewhere nothing changes). The originals are put
    back on leaving the block."""
    if target != "meta":
        yield
        return
    tensor = torch.Tensor
    names = ("item", "__float__", "__int__", "tolist", "cpu")
    originals = {name: tensor.__dict__.get(name) for name in names}
    bound = {name: getattr(tensor, name) for name in names}

    def stand_in(name: str) -> Callable[..., Any]:
        def method(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            if not (is_tensor(self) and _DEVICE(self).type == "meta"):
                return bound[name](self, *args, **kwargs)
            if name == "cpu":
                return _FUNCTIONS.zeros(tuple(self.shape), dtype=self.dtype)
            zero = _FUNCTIONS.zeros(tuple(self.shape), dtype=self.dtype)
            value = zero.tolist() if name == "tolist" else zero.reshape(-1)[0].item()
            return {"__float__": float, "__int__": int}.get(name, lambda v: v)(value)

        return method

    for name in names:
        setattr(tensor, name, stand_in(name))
    try:
        yield
    finally:
        for name, original in originals.items():
            if original is None:
                delattr(tensor, name)
            else:
                setattr(tensor, name, original)
