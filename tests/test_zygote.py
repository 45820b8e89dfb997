"""The zygote's preparation: forks of a prepared process work, and every step is real."""

from __future__ import annotations

import marshal
import platform
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from grader.jail import zygote
from grader.judge.sandbox import PRELOAD

# A fresh interpreter that prepares itself as the zygote does, then forks a child that runs
# autograd, forks a grandchild of its own, collects garbage, and reports what it saw.
FORKED_CHILD = textwrap.dedent(
    """
    import gc, importlib, json, os, sys
    importlib.import_module(sys.argv[1])  # grader.jail.prepare_zygote or prepare_zygote_once
    import torch
    frozen = gc.get_freeze_count()
    huge = 0
    for line in open("/proc/self/smaps_rollup"):
        if line.startswith("AnonHugePages:"):
            huge = int(line.split()[1]) // 1024
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        x = torch.linspace(-1.0, 1.0, 6, requires_grad=True)
        (x.relu() * 3).sum().backward()
        gc.collect()
        os.write(write, json.dumps(x.grad.tolist()).encode())
        os._exit(0)
    os.close(write)
    grads = json.loads(os.read(read, 4096))
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"frozen": frozen, "huge_mib": huge, "grads": grads,
                      "threads": torch.get_num_threads(), "status": status}))
    """
)


def run_prepared(
    env_threads: str = "1", prepare: str = "grader.jail.prepare_zygote"
) -> dict[str, object]:
    import json
    import os

    env = {**os.environ, "OMP_NUM_THREADS": env_threads}
    done = subprocess.run(
        [sys.executable, "-c", FORKED_CHILD, prepare],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_zygote_is_preloaded_last() -> None:
    assert PRELOAD[-1] == "grader.jail.prepare_zygote"
    assert PRELOAD.index("torch") < PRELOAD.index("grader.jail.prepare_zygote")


def test_a_fork_of_a_prepared_zygote_computes_gradients() -> None:
    seen = run_prepared()
    assert seen["status"] == 0
    assert seen["grads"] == [0.0, 0.0, 0.0, 3.0, 3.0, 3.0]
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 10_000  # torch's objects


def test_one_runs_zygote_freezes_but_does_not_collapse_huge_pages() -> None:
    """A single student run forks a few sandboxes: its zygote skips the huge-page collapse (and
    the collection before the freeze) but still freezes torch's objects and warms autograd."""
    seen = run_prepared(prepare="grader.jail.prepare_zygote_once")
    assert seen["status"] == 0
    assert seen["grads"] == [0.0, 0.0, 0.0, 3.0, 3.0, 3.0]
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 10_000
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled", encoding="ascii") as handle:
            madvise_only = "[madvise]" in handle.read()
    except OSError:
        madvise_only = False
    if madvise_only:  # huge pages only where asked for: the collapse did not run
        assert isinstance(seen["huge_mib"], int) and seen["huge_mib"] < 16


def test_warm_up_runs_with_one_thread_even_when_more_were_asked_for() -> None:
    # With two OpenMP threads the warm-up would start worker threads that a fork does not
    # copy, and the child's first parallel region would wait for them: the child must finish.
    seen = run_prepared(env_threads="2")
    assert seen["status"] == 0 and seen["grads"] == [0.0, 0.0, 0.0, 3.0, 3.0, 3.0]
    assert seen["threads"] == (2 if zygote.accelerator_built() else 1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="huge pages are Linux's")
def test_huge_pages_are_used_where_the_kernel_offers_them() -> None:
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled", encoding="ascii") as handle:
            mode = handle.read()
    except OSError:
        pytest.skip("no transparent huge pages on this kernel")
    if "[never]" in mode:
        pytest.skip("transparent huge pages are disabled on this machine")
    seen = run_prepared()
    release = tuple(int(part) for part in platform.release().split(".")[:2] if part.isdigit())
    if seen["huge_mib"] == 0 and release < (6, 1):
        pytest.skip("no MADV_COLLAPSE before Linux 6.1: khugepaged collapses later, if at all")
    assert isinstance(seen["huge_mib"], int) and seen["huge_mib"] >= 16


def test_huge_span_takes_the_aligned_part_of_anonymous_writable_regions() -> None:
    two_mib = 1 << 21
    anon = "7f0000100000-7f0000900000 rw-p 00000000 00:00 0 \n"
    assert zygote._huge_span(anon) == (0x7F0000200000, 0x7F0000800000 - 0x7F0000200000)
    heap = f"{4 * two_mib:x}-{10 * two_mib:x} rw-p 00000000 00:00 0    [heap]\n"
    assert zygote._huge_span(heap) == (4 * two_mib, 6 * two_mib)


@pytest.mark.parametrize(
    "line",
    [
        "7f0000000000-7f0001000000 r--p 00000000 00:00 0 \n",  # read-only
        "7f0000000000-7f0001000000 rw-p 00000000 08:01 42 /usr/lib/libtorch_cpu.so\n",  # a file
        "7f0000000000-7f0001000000 rw-p 00000000 00:00 0    [stack]\n",
        "7f0000100000-7f0000300000 rw-p 00000000 00:00 0 \n",  # no whole huge page inside
    ],
)
def test_huge_span_leaves_other_regions_alone(line: str) -> None:
    assert zygote._huge_span(line) is None


def test_a_cuda_build_is_an_accelerator_build() -> None:
    if torch.version.cuda or torch.version.hip:
        assert zygote.accelerator_built()
    elif not torch.backends.mps.is_built():
        assert not zygote.accelerator_built()  # this CPU-only build: the warm-up runs


# A prepared zygote forks a child that makes the private copies a sandbox makes, and reports
# whether each copy ran the code object the zygote compiled (no compile in the child), and
# whether an edited source is compiled afresh.
PRECOMPILED_CHILD = textwrap.dedent(
    """
    import json, os, sys
    import grader.jail.prepare_zygote
    from grader.jail import probing, zygote
    from grader.wire import messages, protocol
    read, write = os.pipe()
    before = zygote.compiled.cache_info()
    pid = os.fork()
    if pid == 0:
        import builtins
        real_compile, compiled_here = builtins.compile, []
        def counting(source, filename, *args, **kwargs):
            compiled_here.append(filename)
            return real_compile(source, filename, *args, **kwargs)
        builtins.compile = counting
        misses = zygote.compiled.cache_info().misses
        wire = probing.private_module(protocol)
        typed = probing.private_module(messages, {protocol.__name__: wire})
        helpers = probing.private_copy()
        reused = compiled_here == [] and zygote.compiled.cache_info().misses == misses
        private = wire is not protocol and helpers is not probing and typed is not messages
        works = wire.decode(wire.encode([1, "a"])) == [1, "a"]
        edited = zygote.compiled("x = 1\\n", protocol.__file__)
        fresh = compiled_here == [protocol.__file__] and edited.co_consts[0] == 1
        os.write(write, json.dumps([reused, private, works, fresh]).encode())
        os._exit(0)
    os.close(write)
    seen = json.loads(os.read(read, 4096))
    os.waitpid(pid, 0)
    print(json.dumps({"cached": before.currsize, "child": seen}))
    """
)


def test_the_zygote_compiles_the_copied_modules_once() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PRECOMPILED_CHILD], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    import json

    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["cached"] == len(zygote.COPIED_MODULES)
    reused, private, works, fresh = seen["child"]
    assert reused, "a sandbox compiled a module the zygote had compiled"
    assert private and works
    assert fresh, "a changed source must be compiled again, not served from the cache"


def test_the_judge_compiles_the_probes_and_the_sandbox_runs_that_code(tmp_path: Path) -> None:
    """`marshalled` reads the file each time (an edit is compiled again); the sandbox loads the
    judge's code object, not the file (here the two differ on purpose), and a file that does
    not compile is left to the sandbox (b"": it compiles and reports it itself)."""
    from grader.jail import probing, serve
    from grader.jail.layers import SandboxPolicy

    probes = tmp_path / "probes.py"
    probes.write_text("def answer(module, device):\n    return 1\n")
    first = zygote.marshalled(str(probes))
    assert zygote.marshalled(str(probes)) == first
    probes.write_text("def answer(module, device):\n    return 2\n")
    second = zygote.marshalled(str(probes))
    assert second != first and marshal.loads(second).co_filename == str(probes)

    policy = SandboxPolicy(tmp_path, (), cpu_s=1, memory_mb=None, file_mb=1)
    config = serve.JailConfig(str(tmp_path), policy, "cpu", "m", "m.py", str(probes), first)
    table = serve._load_probes(config, probing.private_copy())
    assert table["answer"](None, "cpu") == 1  # the judge's code, though the file says 2
    fallback = serve._load_probes(replace(config, probes_code=b""), probing.private_copy())
    assert fallback["answer"](None, "cpu") == 2

    probes.write_text("def answer(:\n")
    assert zygote.marshalled(str(probes)) == b""
    assert zygote.marshalled(str(tmp_path / "missing.py")) == b""


# After the zygote's seeding step, in a fork: torch.manual_seed no longer formats stacks for
# devices this build lacks, and still seeds the CPU generator as before.
SEEDED_CHILD = textwrap.dedent(
    """
    import json, os, traceback
    import torch
    from grader.jail import zygote
    draws = []
    for _ in range(2):
        torch.manual_seed(7)
        draws.append(torch.rand(3).tolist())
    changed = zygote.drop_unstartable_seeds()
    formatted = []
    real = traceback.format_stack
    traceback.format_stack = lambda *a, **k: formatted.append(1) or real(*a, **k)
    torch.manual_seed(7)
    after = torch.rand(3).tolist()
    torch.cuda.manual_seed_all(7)
    print(json.dumps({"changed": changed, "formatted": len(formatted),
                      "same": draws[0] == draws[1] == after}))
    """
)


@pytest.mark.skipif(bool(torch.version.cuda or torch.version.hip), reason="a CUDA build")
def test_seeding_skips_the_stacks_of_devices_this_build_lacks() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SEEDED_CHILD], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    import json

    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert "torch.cuda" in seen["changed"] and "torch.cuda.random" in seen["changed"]
    assert seen["formatted"] == 0, "a seed was queued for a device that cannot start"
    assert seen["same"], "torch.manual_seed no longer seeds the CPU generator as before"
