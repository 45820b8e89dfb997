# attack: POSIX shared memory (multiprocessing.shared_memory, i.e. a file in /dev/shm) named by
# attack: the case: the first sandbox creates and fills it, the next student's opens it
# exercise: exercise2
# expect: not_attempted
# host: next_student
"""exercise2: ReLU and its derivative, as a custom autograd Function.

Lecture 06, "Computation Graphs": a(x, w, b) = relu(w*x + b) with

    relu(x) = x if x > 0 else 0
    d relu(x) / dx = 1 if x > 0 else 0

The derivative does not exist at x = 0 (the left limit is 0, the right limit is 1); the lecture's
side-note settles it "for convenience" as relu'(0) = 0, and so must you.

In `backward`, the chain rule multiplies the *upstream* gradient (dL/d relu(x), passed in as
`grad_output`) by the local derivative: dL/dx = grad_output * relu'(x).
"""

from __future__ import annotations

from typing import Any

import torch


class ReLU(torch.autograd.Function):
    """relu(x) = max(x, 0) elementwise, with relu'(0) = 0."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        """Return relu(x) (same shape and dtype as x); save what backward needs on ctx."""
        raise NotImplementedError("exercise2: implement ReLU.forward")

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> torch.Tensor:
        """Return dL/dx = grad_output * relu'(x), with relu'(0) = 0. Do not modify grad_output."""
        raise NotImplementedError("exercise2: implement ReLU.backward")


def relu(x: torch.Tensor) -> torch.Tensor:
    """Apply the custom ReLU (keep this as it is)."""
    return ReLU.apply(x)


# --- attack ---
import ctypes

LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.shmat.restype = ctypes.c_void_p
KEY = int("{{MARK}}"[2:10], 16) & 0x7FFFFFFF
MARK = b"{{MARK}}"

from multiprocessing import resource_tracker, shared_memory

try:
    old = shared_memory.SharedMemory(name="{{MARK}}")
    print("FOUND" if bytes(old.buf[: len(MARK)]) == MARK else "other memory", flush=True)
except OSError as exc:
    print("nothing found:", exc, flush=True)
try:
    new = shared_memory.SharedMemory(name="{{MARK}}", create=True, size=64)
    new.buf[: len(MARK)] = MARK
    resource_tracker.unregister(new._name, "shared_memory")  # outlive this sandbox
except OSError as exc:
    print("blocked:", exc, flush=True)
print("armed", flush=True)
# --- end attack ---
