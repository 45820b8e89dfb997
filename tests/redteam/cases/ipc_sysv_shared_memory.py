# attack: a SysV shared-memory segment (shmget/shmat through ctypes) under a key both students
# attack: derive from the same name: the first sandbox writes into it, the next student's reads it
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

shmid = LIBC.shmget(KEY, 4096, 0)
if shmid >= 0:
    found = ctypes.string_at(LIBC.shmat(shmid, None, 0), len(MARK))
    print("FOUND" if found == MARK else "other segment", found, flush=True)
shmid = LIBC.shmget(KEY, 4096, 0o1000 | 0o666)
if shmid >= 0:
    ctypes.memmove(LIBC.shmat(shmid, None, 0), MARK, len(MARK))
print("armed", shmid, ctypes.get_errno(), flush=True)
# --- end attack ---
