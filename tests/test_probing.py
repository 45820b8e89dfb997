"""Tests for grader.jail.probing:
the probes' shared watchers see what really ran, and put torch back; facts are read through
accessors a submission cannot override; errors are judged by type, never by message."""

from __future__ import annotations

import threading
import types

import pytest
import torch
from torch.autograd.variable import Variable

from grader.jail import probing


def leaf() -> torch.Tensor:
    return torch.tensor(2.0, requires_grad=True)


def test_autograd_grad_and_backward_are_told_apart() -> None:
    x = leaf()
    with probing.watching_backward_passes() as runs:
        torch.autograd.grad(x * x, x)
        (x * 3).backward()
        torch.autograd.backward(x * 5)
    assert runs == ["grad", "backward", "backward"]
    assert x.grad is not None and x.grad.item() == 8.0  # the passes really ran


def test_higher_order_grad_counts_each_pass() -> None:
    x = leaf()

    def second_derivative() -> None:
        (dx,) = torch.autograd.grad(x**3, x, create_graph=True)
        torch.autograd.grad(dx, x)

    counts = probing.count_backward_passes(second_derivative)
    assert counts == {"grad": 2, "backward": 0, "unseen": 0}


def test_no_pass_without_autograd() -> None:
    counts = probing.count_backward_passes(lambda: 3.0 * 2.0)
    assert counts == {"grad": 0, "backward": 0, "unseen": 0}


def run_engine(engine: object, x: torch.Tensor) -> None:
    """A backward pass started on `engine` directly, as a saved reference would."""
    engine.run_backward((x * 3,), (torch.ones(()),), False, False, (x,), False, False)  # type: ignore[attr-defined]


def test_a_saved_engine_reference_is_not_attributed_but_seen() -> None:
    saved, x = Variable._execution_engine, leaf()  # as a submission keeps it at import
    counts = probing.count_backward_passes(lambda: run_engine(saved, x))
    assert counts == {"grad": 0, "backward": 0, "unseen": 1}
    fresh = torch._C._ImperativeEngine()  # another Python object for the same C++ engine
    assert probing.count_backward_passes(lambda: run_engine(fresh, x))["unseen"] == 1


def test_backward_passes_on_another_thread_are_counted() -> None:
    x = leaf()

    def on_a_thread() -> None:
        worker = threading.Thread(target=lambda: (x * 3).backward())
        worker.start()
        worker.join()

    counts = probing.count_backward_passes(on_a_thread)
    assert counts == {"grad": 0, "backward": 1, "unseen": 0}


def test_the_count_survives_grad_mode_switched_off() -> None:
    with torch.no_grad():
        assert probing.count_backward_passes(lambda: None)["unseen"] == 0


def test_engine_is_put_back_even_after_an_error() -> None:
    engine = Variable._execution_engine

    def broken() -> None:
        (leaf() * 2).backward()
        raise ValueError("student code failed")

    with pytest.raises(ValueError, match="student code failed"):
        probing.count_backward_passes(broken)
    assert Variable._execution_engine is engine
    x = leaf()
    (x * 2).backward()  # and autograd still works without the stand-in
    assert x.grad is not None and x.grad.item() == 2.0


def test_device_of_names_tensor_devices_and_other_types() -> None:
    assert probing.device_of(torch.zeros(2)) == "cpu"
    assert probing.device_of(torch.zeros(2, device="meta")) == "meta"
    assert probing.device_of(None) == "NoneType"
    assert probing.device_of([torch.zeros(1)]) == "list"


@pytest.mark.parametrize(
    ("exc", "target", "expected"),
    [
        (RuntimeError("Expected all tensors to be on the same device"), "meta", True),
        (RuntimeError("Tensor.item() cannot be called on meta tensors"), "meta", True),
        (RuntimeError("Expected all tensors to be on the same device"), "cpu", False),
        (NotImplementedError("exercise12: move the batch to the device"), "meta", False),
        (NotImplementedError("Cannot copy out of meta tensor; no data!"), "meta", False),
        (MemoryError(), "cuda", False),
        (torch.cuda.OutOfMemoryError("CUDA out of memory."), "cuda:0", False),
        # by type alone: a message that says "out of memory" changes nothing
        (RuntimeError("CUDA error: out of memory"), "cuda", True),
    ],
)
def test_tolerated_errors(exc: Exception, target: str, expected: bool) -> None:
    assert probing.tolerated(exc, target) is expected


def test_error_fact_records_a_tolerated_error_and_keeps_partial_results() -> None:
    results: list[int] = []
    with probing.ErrorFact("meta") as raised:
        results.append(1)
        torch.zeros(1, device="meta").item()
        results.append(2)
    assert results == [1]
    assert raised.text == "RuntimeError: Tensor.item() cannot be called on meta tensors"


def test_error_fact_is_none_without_an_error_and_cuts_long_messages() -> None:
    with probing.ErrorFact("meta") as quiet:
        pass
    assert quiet.text is None
    with probing.ErrorFact("meta") as long:
        raise ValueError("x" * 1000)
    assert long.text is not None and len(long.text) == probing.ERROR_CHARS


@pytest.mark.parametrize(
    ("exc", "target"),
    [
        (ValueError("student error"), "cpu"),
        (NotImplementedError("exercise12: not done"), "meta"),
        (MemoryError(), "cuda"),
        (KeyboardInterrupt(), "meta"),
    ],
)
def test_error_fact_lets_the_others_through(exc: BaseException, target: str) -> None:
    with pytest.raises(type(exc)), probing.ErrorFact(target):
        raise exc


# ---- accessors a submission cannot override ------------------------------------------------


class Liar(torch.Tensor):
    """A tensor subclass whose properties say what a forger would like."""

    @property  # type: ignore[misc]
    def requires_grad(self) -> bool:  # type: ignore[override]
        return True

    @property
    def is_leaf(self) -> bool:  # type: ignore[override]
        return True

    @property
    def grad_fn(self) -> None:  # type: ignore[override]
        return None


def test_tensor_facts_come_from_torch_not_from_properties() -> None:
    w = torch.zeros(2, requires_grad=True)
    liar = (w * 2).as_subclass(Liar)
    assert liar.requires_grad and liar.is_leaf and liar.grad_fn is None  # what it claims
    facts = probing.tensor_facts(liar)
    assert facts is not None and facts["is_leaf"] is False and facts["grad_fn"] is not None
    plain = probing.tensor_facts(torch.zeros(1))
    assert plain == {"requires_grad": False, "is_leaf": True, "grad_fn": None, "device": "cpu"}
    assert probing.tensor_facts([1.0]) is None and not probing.requires_grad(object())


class Masquerade:
    """Claims to be an nn.Sequential through __class__."""

    @property
    def __class__(self) -> type:  # type: ignore[override]
        return torch.nn.Sequential


def test_kinds_come_from_the_real_type() -> None:
    fake = Masquerade()
    assert isinstance(fake, torch.nn.Sequential)  # what isinstance says
    assert not probing.is_instance(fake, torch.nn.Sequential) and not probing.is_module(fake)
    assert probing.is_instance(torch.nn.Sequential(), torch.nn.Module)


class Hides(torch.nn.Module):
    """Keeps one layer out of named_parameters()/parameters()/modules()."""

    def __init__(self) -> None:
        super().__init__()
        self.first = torch.nn.Linear(2, 3)
        self.second = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Dropout())

    def named_parameters(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def,override]
        return iter([("only.weight", torch.zeros(1))])

    def modules(self):  # type: ignore[no-untyped-def,override]
        return iter([self])


def test_parameters_and_modules_come_from_the_modules_own_dictionaries() -> None:
    model = Hides()
    names = [name for name, _ in probing.registered_parameters(model)]
    assert names == ["first.weight", "first.bias", "second.0.weight", "second.0.bias"]
    assert [name for name, _ in probing.submodules(model)] == ["", "first", "second", "second.0",
                                                                 "second.1"]  # fmt: skip
    assert probing.children(model) == [model.first, model.second]


def test_training_flags_cover_every_submodule() -> None:
    model = Hides().eval()
    model.training = True  # only the top-level flag, as a forger would set it
    assert probing.training_flags(model) == [True, False, False, False, False]
    model.train()
    assert all(probing.training_flags(model))
    object.__setattr__(model.first, "training", "yes")  # not a bool: neither mode
    assert probing.training_flags(model)[1] is None


def test_a_tensors_hooks_are_counted_from_its_own_table() -> None:
    x = leaf()
    y = x * 2
    handle = y.register_hook(lambda grad: grad)
    assert probing.backward_hook_count(y) == 1
    handle.remove()
    assert probing.backward_hook_count(y) == 0 and probing.backward_hook_count(3) == 0


def test_meta_scalars_give_placeholders_on_meta_only_and_put_torch_back() -> None:
    loss = torch.zeros((), device="meta")
    with probing.meta_scalars("meta"):
        assert loss.item() == 0.0 and float(loss) == 0.0 and loss.tolist() == 0.0
        assert loss.cpu().device.type == "cpu"
        assert torch.tensor(2.5).item() == 2.5  # other tensors keep their values
    with pytest.raises(RuntimeError, match="meta"):
        loss.item()
    with probing.meta_scalars("cpu"), pytest.raises(RuntimeError, match="meta"):
        loss.item()


# ---- the private copy the sandbox loads before student code ---------------------------------


def test_the_private_copy_is_untouched_by_rebinding_the_public_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy = probing.private_copy()
    monkeypatch.setattr(probing, "count_backward_passes", lambda call: {"grad": 1})
    monkeypatch.setattr(probing, "graph_tasks_started", lambda: 0)
    monkeypatch.setattr("builtins.issubclass", lambda *args: True)
    x = leaf()
    assert copy.count_backward_passes(lambda: (x * 2).backward())["backward"] == 1
    assert copy.is_tensor(3) is False  # its builtins are its own


def test_private_builtins_give_the_copy_to_the_probes_imports() -> None:
    copy = probing.private_copy()
    namespace: dict[str, object] = {"__builtins__": probing.private_builtins(copy)}
    source = (
        "from grader.jail import probing\nfrom grader.jail.probing import device_of\nimport torch\n"
    )
    exec(compile(source, "probes.py", "exec"), namespace)  # noqa: S102
    assert namespace["probing"] is copy and namespace["device_of"] is copy.device_of
    assert namespace["torch"] is torch and isinstance(namespace["probing"], types.ModuleType)


def test_a_stubs_not_implemented_is_its_verdict_but_torchs_on_meta_is_a_fact() -> None:
    """Told apart by where the error left the code (a `raise` statement in the student's file,
    or a torch call), never by its message."""
    from grader.jail.probing import raised_by_a_raise_statement, tolerated

    def stub() -> None:
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")  # same words

    try:
        stub()
    except NotImplementedError as exc:
        assert raised_by_a_raise_statement(exc) and not tolerated(exc, "meta")
    try:
        torch.zeros(2, device="meta").to("cpu")
    except NotImplementedError as exc:
        assert not raised_by_a_raise_statement(exc) and tolerated(exc, "meta")
        assert not tolerated(exc, "cpu")
    else:
        raise AssertionError("torch no longer raises copying a meta tensor to the CPU")
