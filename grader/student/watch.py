"""`grade exerciseN --watch`: grade again on every save, with the zygote kept warm.

The student's file (or both `<id>.py` and `<id>.ipynb`, whichever was saved last is graded) is
watched with watchfiles (inotify on Linux, FSEvents on macOS, no polling by hand); its folder is
watched rather than the file, so editors that save by writing a new file and renaming it over
the old one are seen too. Each run is an ordinary one (same sandbox, judge and limits); a spare
sandbox is started while the report is read, so the next save starts at once. The report is
redrawn in place on a terminal. Ctrl-C (or `stop`) ends it; the spare is killed and the zygote
is stopped by the command on its way out.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import watchfiles
from rich.console import Console

from grader.judge.registry import Exercise
from grader.judge.sandbox import Engine
from grader.judge.scoring import judge_threads
from grader.judge.spares import Spares
from grader.outputs import console as out
from grader.student.session import grade, report
from grader.student.source import SourceError, check_path, notebook_path, student_source

STEP_MS = 20  # how long a burst of file events may go quiet before it counts as one save
DEBOUNCE_MS = 300  # the longest a burst is gathered


def watched_files(exercise: Exercise, file: Path | None) -> list[Path]:
    """The files whose saves trigger a run."""
    if file is not None:
        return [check_path(file).resolve()]
    return [exercise.stub.resolve(), notebook_path(exercise).resolve()]


def watch_exercise(
    engine: Engine,
    exercise: Exercise,
    file: Path | None,
    device: str,
    console: Console,
    stop_event: threading.Event | None = None,
) -> None:
    """Grade now, then after every save of the watched files, until Ctrl-C or `stop_event`.

    The watcher runs on a thread of its own and is started before the first run, so a save
    made while a report is being drawn is not missed; saves that arrive during a run are
    gathered into one more run.
    """
    try:
        files = watched_files(exercise, file)
    except SourceError as exc:
        out.error_line(str(exc))
        return
    stop = stop_event if stop_event is not None else threading.Event()
    saves: queue.Queue[bool] = queue.Queue()  # True: a save; False: the watcher has ended
    listener = threading.Thread(target=_listen, args=(files, stop, saves), daemon=True)
    listener.start()
    engine.start()
    judge_threads()
    spares = Spares()
    try:
        run_once(engine, exercise, file, device, console, spares)
        while saves.get():
            while not saves.empty():
                if not saves.get_nowait():
                    return
            run_once(engine, exercise, file, device, console, spares)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        listener.join(timeout=5)
        spares.close()
        console.print("stopped watching", style="dim")


def _listen(files: list[Path], stop: threading.Event, saves: queue.Queue[bool]) -> None:
    """Put True on `saves` for every burst of changes to `files`, False once stopped."""
    names = {str(path) for path in files}
    try:
        for _ in watchfiles.watch(
            *sorted({path.parent for path in files}),
            watch_filter=lambda _change, path: path in names,
            step=STEP_MS,
            debounce=DEBOUNCE_MS,
            stop_event=stop,
            recursive=False,
            raise_interrupt=False,
            rust_timeout=500,
        ):
            saves.put(True)
    finally:
        saves.put(False)


def run_once(
    engine: Engine,
    exercise: Exercise,
    file: Path | None,
    device: str,
    console: Console,
    spares: Spares,
) -> None:
    """One run, drawn over the last one; a file that cannot be read is one line, not an exit."""
    started = time.monotonic()
    try:
        student = student_source(exercise, file)
    except SourceError as exc:
        console.clear()
        out.error_line(f"{exc} (waiting for the next save)", console)
        return
    result = grade(engine, exercise, student, device, spares)
    console.clear()
    console.print(report(exercise, student, result))
    console.print(  # the file's name is text (never markup), its control characters escaped
        out.untrusted(
            f"watching {student.path.name}: graded at {time.strftime('%H:%M:%S')} in "
            f"{time.monotonic() - started:.2f} s; save to grade again, Ctrl-C to stop",
            style="dim",
        )
    )
