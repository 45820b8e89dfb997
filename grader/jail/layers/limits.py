"""The rlimits layer: CPU, address space, file size and open files, per sandbox process.

These bound each process; the whole process tree is bounded by the cgroup layer where the
machine has one (`grader.jail.layers.cgroups`), and by the PID namespace's task cap.
"""

from __future__ import annotations

import resource
import signal

from grader.jail.layers.base import Layer, SandboxPolicy


def set_rlimits(policy: SandboxPolicy) -> str:
    """CPU, address space, file size (writes past it fail with EFBIG), open files, no cores."""
    mib = 1024 * 1024
    limits = [
        (resource.RLIMIT_CPU, policy.cpu_s, policy.cpu_s + 1),  # SIGXCPU, then SIGKILL
        (resource.RLIMIT_FSIZE, policy.file_mb * mib, policy.file_mb * mib),
        (resource.RLIMIT_NOFILE, policy.open_files, policy.open_files),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    if policy.memory_mb is not None:
        limits.append((resource.RLIMIT_AS, policy.memory_mb * mib, policy.memory_mb * mib))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    for which, soft, hard in limits:
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
        resource.setrlimit(which, (min(soft, hard), hard))
    return "no address-space limit" if policy.memory_mb is None else ""


RLIMITS = Layer(
    "rlimits",
    "no CPU, memory, file-size or open-file limits inside the sandbox",
    set_rlimits,
)
