"""The zygote's last step before it forks sandboxes: make each fork cheaper.

The forkserver runs its preload list by importing each module, so `grader.jail.prepare_zygote` (last
in `grader.judge.sandbox.PRELOAD`) calls `prepare` when imported; importing this module
does nothing.
It changes nothing a submission can observe through torch's public API (the seeding step below
changes private attributes of torch's accelerator modules); it only makes the copies cheaper.
Five steps, each
best-effort (a platform without one simply pays the old price):

- `drop_unstartable_seeds`: on a build without CUDA (XPU, MTIA), `torch.manual_seed` no longer
  formats the call's stack to queue a seed for a device that can never start (0.5-4 ms a call
  in a sandbox; training loops call it once per run of theirs).

- `warm_autograd`: one small forward and backward pass, so that the lazy set-up of torch's first
  autograd step (CPU feature detection, the engine's queues) is done once here instead of in
  every sandbox (measured: 7 ms a sandbox). It runs with one intra-op thread, as sandboxes do
  (`grader.judge.sandbox.ONE_THREAD_ENV`): with more, OpenMP would start worker threads,
  which a fork
  does not copy, and the first parallel region in a sandbox would wait for them forever. Only
  on a CPU-only build of torch: on a build with an accelerator the autograd engine starts one
  thread per device and asks the driver how many there are, and neither may happen before a
  fork.
- `precompile`: every sandbox runs private copies of `grader.jail.probing`, `grader.wire.protocol`
  and `grader.wire.messages` from their source (`grader.jail.probing.private_module`), and
  compiling them cost each sandbox about 10 ms of CPU (15 ms at a load of 10). The zygote
  compiles them once (`compiled`); a sandbox then finds the code object for the same source
  text and only runs it. Code objects are immutable, and the cache is read only before the
  sandbox imports the submission (after that its process is gone with whatever it changed; the
  next sandbox is a fresh fork of the zygote). A source that differs from the zygote's (a file
  edited since) is compiled again, so what runs is always the file as it is now.
- `gc.freeze()`: the objects imported so far are left out of every later garbage collection.
  Without it a sandbox's first full collection walks every object torch created and so writes
  to (and copies) every page of the zygote's heap: measured, a fork followed by `gc.collect()`
  cost 200 ms, and 21 ms with the heap frozen.
- `use_huge_pages`: the zygote's large anonymous regions (the C heap, where torch's operator
  tables live, and Python's arenas: about 200 MiB after the preloads) are collapsed into 2 MiB
  pages. A fork copies one page-table entry per page, and an exit releases them one by one:
  measured on the development machine (Linux 6.18), a fork and exit of the preloaded zygote took
  22 ms of CPU with 4 KiB pages and 7 ms with huge pages. A sandbox is two forks (waiter,
  sandbox; the namespace init is spawned, not forked), so this is paid twice a run.
  Copy-on-write still copies 4 KiB at a time, so a sandbox's own memory use does not grow.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import importlib
import marshal
import sys
import types
from pathlib import Path

import torch

_HUGE_PAGE = 1 << 21
_MADV_HUGEPAGE, _MADV_COLLAPSE = 14, 25  # Linux; MADV_COLLAPSE since 6.1
# The modules every sandbox runs a private copy of, before any student code (serve._sealed,
# serve._load_probes)
COPIED_MODULES = ("grader.jail.probing", "grader.wire.protocol", "grader.wire.messages")


@functools.lru_cache(maxsize=64)
def compiled(source: str, filename: str) -> types.CodeType:
    """`compile(source, filename, "exec")`, once per distinct source text and file name.

    Compiled with this module's own future flags (`annotations`), as the callers' own
    `compile` calls were: every copied module has that import itself.
    """
    return compile(source, filename, "exec")


def marshalled(path: str) -> bytes:
    """The code object of the Python file at `path`, marshalled; b"" if it cannot be read or
    compiled (the sandbox then compiles it itself and reports the error).

    The judge calls this for each sandbox's probes (`JailConfig.probes_code`): it reads the
    file every time, and compiles each distinct source text once per judge process, so a
    sandbox only unmarshals a code object (0.01-0.1 ms) instead of compiling the probes
    (0.2-5 ms of its CPU a run). Unmarshalling makes a new code object in the sandbox: nothing
    it holds is shared with the judge or with another sandbox. Judge to sandbox only (the
    trusted direction, like the rest of the JailConfig); nothing comes back this way.
    """
    try:
        source = Path(path).read_text(encoding="utf-8")
        return _marshalled(source, path)
    except (OSError, SyntaxError, ValueError):
        return b""


@functools.lru_cache(maxsize=64)
def _marshalled(source: str, filename: str) -> bytes:
    return marshal.dumps(compiled(source, filename))


def precompile(names: tuple[str, ...] = COPIED_MODULES) -> int:
    """Compile the copied modules' current sources into `compiled`'s cache; how many."""
    done = 0
    for name in names:
        try:
            path = str(importlib.import_module(name).__file__)
            compiled(Path(path).read_text(encoding="utf-8"), path)
        except (ImportError, OSError, SyntaxError, ValueError):
            continue  # the sandbox will compile (and report) it itself
        done += 1
    return done


def accelerator_built() -> bool:
    """True when this torch build could drive a GPU (CUDA, ROCm, XPU or Apple's MPS)."""
    xpu = getattr(torch.version, "xpu", None)
    mps = getattr(torch.backends, "mps", None)
    mps_built = bool(mps is not None and mps.is_built())
    return bool(torch.version.cuda or torch.version.hip or xpu or mps_built)


def warm_autograd() -> bool:
    """Run one tiny backward pass (CPU-only builds); True if it ran."""
    if accelerator_built():
        return False
    torch.set_num_threads(1)
    weights = torch.ones(4, 3, requires_grad=True)
    inputs = torch.linspace(-1.0, 1.0, 8).reshape(2, 4)
    loss = (inputs @ weights).softmax(dim=1).log().sum()
    torch.autograd.backward(loss)
    return True


# Accelerator modules whose seeding is queued until the device starts, with the flag that says
# whether this build of torch has that accelerator at all
LAZY_DEVICES = (
    ("torch.cuda", "_has_cuda"),
    ("torch.xpu", "_has_xpu"),
    ("torch.mtia", "_mtia_isBuilt"),
)


def drop_unstartable_seeds() -> list[str]:
    """For each accelerator this build of torch lacks, make its queue of calls for later a
    no-op; the modules changed.

    `torch.manual_seed` (which students' training loops call, and exercise 7, 10-12's probes)
    also seeds CUDA, XPU and MTIA through each one's `_lazy_call`, which, until that device
    starts, queues the call with `traceback.format_stack()`: the source of every frame is read
    (linecache, tokenize), 4 ms for the first call in a fresh sandbox and 0.5 ms each after. On
    a build without that accelerator the device never starts (starting it raises "not
    compiled with"), so a queued call never runs: `_lazy_call` returning None at once is what
    it returns there anyway. Done in the zygote, before any fork; the CPU generator is seeded
    as before.
    """
    changed = []
    for name, flag in LAZY_DEVICES:
        built = getattr(torch._C, flag, None)
        built = built() if callable(built) else built
        module = sys.modules.get(name)
        original = getattr(module, "_lazy_call", None)
        if built is not False or original is None:
            continue
        for holder_name, holder in list(sys.modules.items()):
            in_package = holder_name == name or holder_name.startswith(name + ".")
            if in_package and getattr(holder, "_lazy_call", None) is original:
                setattr(holder, "_lazy_call", _never_runs)  # noqa: B010 - not a typed module's name
                changed.append(holder_name)
    return changed


def _never_runs(call: object, **kwargs: object) -> None:
    """`_lazy_call` of an accelerator this build lacks: the call would never run."""
    return None


def use_huge_pages() -> int:
    """Back the large writable anonymous regions with huge pages; the MiB collapsed (Linux)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
        with open("/proc/self/maps", encoding="ascii") as handle:
            regions = [_huge_span(line) for line in handle]
    except (OSError, AttributeError):
        return 0
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    collapsed = 0
    for start, length in (span for span in regions if span is not None):
        madvise(start, length, _MADV_HUGEPAGE)  # failures only leave 4 KiB pages
        if madvise(start, length, _MADV_COLLAPSE) == 0:
            collapsed += length
    return collapsed >> 20


def _huge_span(line: str) -> tuple[int, int] | None:
    """The 2 MiB-aligned part of an anonymous writable mapping (or the heap), if any."""
    fields = line.split()
    name = fields[5] if len(fields) > 5 else ""
    if name not in ("", "[heap]") or "w" not in fields[1]:
        return None
    low, high = (int(bound, 16) for bound in fields[0].split("-"))
    start = (low + _HUGE_PAGE - 1) & ~(_HUGE_PAGE - 1)
    end = high & ~(_HUGE_PAGE - 1)
    return (start, end - start) if end > start else None


def prepare(*, many_forks: bool = True) -> None:
    """Everything above, in order: compute first, then freeze, then remap what is left.

    With `many_forks=False` (the zygote of one `grade exerciseN`, which forks a few sandboxes
    and exits) it skips the two steps that only a long series of forks repays: the full
    collection before the freeze (the garbage it would free is then frozen with the rest:
    memory, not time) and the huge-page collapse (measured at a load of 13: 0.1-0.2 s of CPU
    each before the first fork, for about 10 ms saved per fork). Neither is an isolation
    measure: a sandbox observes the same process either way.
    """
    warm_autograd()
    drop_unstartable_seeds()
    precompile()
    if many_forks:
        gc.collect()
    gc.freeze()
    if many_forks:
        use_huge_pages()
