"""One sandbox's isolation settings, made from the exercise's `Limits` (the only reshaping).

`sandbox_policy` is the one place where the exercise's limits become what the sandbox's layers
read (`grader.jail.layers.SandboxPolicy`): the per-process rlimits, the workdir's tmpfs, the
paths Landlock lets it read, the cgroup the judge made for it, the layers switched off.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import grader
from grader.jail.layers import SandboxPolicy
from grader.judge.cgroups import SandboxCgroup
from grader.outputs.models import Limits

WORKDIR_MIN_MB = 64  # the private folder is a tmpfs of max(this, 4 * file_mb) where possible


def sandbox_policy(
    limits: Limits,
    device: str,
    workdir: Path,
    probes_path: Path | None,
    disabled: Sequence[str] = (),
    cgroup: SandboxCgroup | None = None,
) -> SandboxPolicy:
    """The isolation settings of one sandbox, from the exercise's limits (the only reshaping)."""
    cuda = device.startswith("cuda")
    readable = readable_paths(probes_path.parent if probes_path else None)
    return SandboxPolicy(
        workdir=workdir,
        readable=tuple(Path(p) for p in readable),
        cpu_s=limits.cpu_s,
        memory_mb=None if cuda else limits.memory_mb,  # RLIMIT_AS breaks CUDA
        file_mb=limits.file_mb,
        allow_gpu=cuda,
        workdir_tmpfs_mb=max(WORKDIR_MIN_MB, 4 * limits.file_mb),
        cgroup=cgroup.paths if cgroup is not None else (),
        disabled=frozenset(disabled),
    )


def readable_paths(probes_folder: Path | None) -> tuple[str, ...]:
    """What a sandbox may read: the interpreter, installed packages, grader, the probes."""
    import site
    import sysconfig

    paths = {
        sys.base_prefix,
        sys.prefix,
        sysconfig.get_paths()["stdlib"],
        sysconfig.get_paths()["platstdlib"],
        str(Path(grader.__file__).parent),
    }
    paths.update(site.getsitepackages())
    with contextlib.suppress(AttributeError):
        paths.add(site.getusersitepackages())
    if probes_folder is not None:
        paths.add(str(probes_folder))
    for libdir in ("/usr/lib", "/lib", "/usr/lib64", "/lib64", "/etc/ld.so.cache"):
        paths.add(libdir)
    return tuple(sorted(p for p in paths if p and os.path.exists(p)))
