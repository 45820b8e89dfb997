"""The sandbox process as multiprocessing sees it: an ordinary (not daemonic) child, so a
submission may start processes of its own the way a DataLoader's workers do. A real sandbox."""

from __future__ import annotations

from grader.judge.sandbox import Engine, Sandbox
from grader.outputs.models import Limits

LIMITS = Limits(import_s=30, call_s=20, total_s=60, cpu_s=30, memory_mb=2048, file_mb=1)
WORKER = """
import multiprocessing

def square(conn, x):
    conn.send(x * x)

def run(x):
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)  # no semaphore: /dev/shm is not the sandbox's
    worker = context.Process(target=square, args=(writer, x))
    worker.start()
    found = reader.recv() if reader.poll(10) else None
    worker.join(10)
    return [found, worker.exitcode]
"""


def test_a_submission_may_start_multiprocessing_workers(engine: Engine) -> None:
    with Sandbox(engine, LIMITS, "cpu", "student.py", "student") as box:
        box.request("import", LIMITS.import_s, "importing student.py", source=WORKER)
        found = box.request("call", LIMITS.call_s, "calling run()", name="run", args=(7,))
        assert found == [49, 0]
