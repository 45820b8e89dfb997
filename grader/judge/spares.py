"""A sandbox started ahead of need, so the next submission of an exercise starts at once."""

from __future__ import annotations

from grader.judge.sandbox import EngineError, Sandbox, SandboxOutcome


class Spares:
    """One sandbox started ahead of need, for the next submission of the same exercise.

    A judge that grades many submissions in a row (a batch worker) keeps one: while it judges a
    submission, the next sandbox forks and locks itself down (about 40 ms) in the background,
    and the next submission of the same exercise, with the same file name, device and limits,
    starts in it at once. A spare runs nothing of a student's before it is taken: it is a
    locked-down process waiting for its first request, so taking one is no different from
    starting one. A spare that does not fit the next submission is killed. CPU only: on a GPU
    a spare would hold a second CUDA context per judge.
    """

    def __init__(self) -> None:
        self._spare: Sandbox | None = None

    @property
    def pending(self) -> Sandbox | None:
        """The sandbox started ahead, if any (not yet taken)."""
        return self._spare

    def take(self, wanted: Sandbox) -> Sandbox | None:
        """The spare, ready, if it was made like `wanted` (not launched); else None, and the
        spare is killed."""
        spare, self._spare = self._spare, None
        if spare is None:
            return None
        if not (spare.alive and spare.same_setup(wanted)):
            spare.close()
            return None
        try:
            return spare.wait_ready()
        except (SandboxOutcome, EngineError):
            spare.close()  # a fresh sandbox will tell the real story
            return None

    def start(self, sandbox: Sandbox) -> None:
        """Launch `sandbox` as the spare (CPU only; any older spare is killed)."""
        self.close()
        if sandbox.device == "cpu":
            self._spare = sandbox.launch()

    def close(self) -> None:
        if self._spare is not None:
            self._spare.close()
            self._spare = None
