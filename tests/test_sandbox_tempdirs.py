"""A killed run of `grade` leaves its `grade-run-*` folders behind; the next start removes
those whose judge process is gone, and nothing else: not a live judge's, not another user's,
not another pid namespace's, not a file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from grader.judge.sandbox import RUN_DIR_PREFIX, Engine, remove_stale_run_dirs

ROOT = Path(__file__).resolve().parent.parent


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def namespace() -> int:
    return os.stat("/proc/self/ns/pid").st_ino


def run_dirs(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{RUN_DIR_PREFIX}*"))


def test_only_folders_of_judges_that_are_gone_are_removed(tmp_path: Path) -> None:
    gone = tmp_path / f"{RUN_DIR_PREFIX}{namespace()}-{dead_pid()}-abc123"
    (gone / "work").mkdir(parents=True)
    (gone / "output.txt").write_text("what a killed run printed")
    alive = tmp_path / f"{RUN_DIR_PREFIX}{namespace()}-{os.getpid()}-def456"
    elsewhere = tmp_path / f"{RUN_DIR_PREFIX}{namespace() + 1}-{dead_pid()}-ghi789"
    unnamed = tmp_path / f"{RUN_DIR_PREFIX}k2j3h4l5"  # no owner in the name: left alone
    for folder in (alive, elsewhere, unnamed):
        folder.mkdir()
    not_a_folder = tmp_path / f"{RUN_DIR_PREFIX}{namespace()}-{dead_pid()}-file"
    not_a_folder.write_text("a file")
    assert remove_stale_run_dirs(tmp_path) == [gone]
    assert run_dirs(tmp_path) == sorted([alive, elsewhere, unnamed, not_a_folder])


def test_a_live_judges_folder_is_left_alone_and_the_judge_is_not_signalled(
    tmp_path: Path,
) -> None:
    # a judge that dies of a stray signal: the check may only ask whether it lives (signal 0)
    script = "import signal, time\nsignal.signal(signal.SIGHUP, signal.SIG_DFL)\ntime.sleep(30)"
    judge = subprocess.Popen([sys.executable, "-c", script])
    try:
        time.sleep(0.2)
        alive = tmp_path / f"{RUN_DIR_PREFIX}{namespace()}-{judge.pid}-abc123"
        alive.mkdir()
        assert remove_stale_run_dirs(tmp_path) == [] and alive.is_dir()
        time.sleep(0.2)
        assert judge.poll() is None
    finally:
        judge.kill()
        judge.wait()


def test_a_running_sandbox_names_its_judge(tmp_path: Path, engine: Engine) -> None:
    from grader.judge.sandbox import Sandbox
    from grader.outputs.models import Limits

    with Sandbox(engine, Limits(), "cpu", "student.py", "student") as box:
        assert box.run_dir.name.startswith(f"{RUN_DIR_PREFIX}{namespace()}-{os.getpid()}-")
        # other, killed runs' folders may lie there too (tests run in parallel): only this
        # live judge's must be left alone
        assert box.run_dir not in remove_stale_run_dirs(box.run_dir.parent)
        assert box.run_dir.is_dir()


@pytest.mark.skipif(not Path("/proc/self/ns/pid").exists(), reason="needs /proc")
def test_a_killed_grade_leaves_folders_that_the_next_start_removes(
    tmp_path: Path, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    student = tmp_path / "exercise2.py"
    student.write_text("import time\ntime.sleep(60)\n")
    scratch = short_tmp  # TMPDIR of the run: its forkserver's socket must fit an AF_UNIX path
    env = {**os.environ, "TMPDIR": str(scratch)}
    command = [sys.executable, "-c", "from grader.cli import main; main()"]
    grade = subprocess.Popen(
        [*command, "exercise2", "--file", str(student), "--root", str(ROOT)],
        env=env,
        cwd="/",
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not run_dirs(scratch) and time.monotonic() < deadline and grade.poll() is None:
            time.sleep(0.1)
        left = run_dirs(scratch)
    finally:
        os.killpg(grade.pid, signal.SIGKILL)  # the judge and the zygote it started
        grade.wait()
    assert left, "the grade run never made its folder"
    assert run_dirs(scratch) == left  # SIGKILL: nothing cleaned up after it
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    Engine("forkserver").start()  # the next start
    assert run_dirs(scratch) == []


def test_a_temporary_folder_too_long_for_the_zygotes_socket_is_one_clear_error(
    tmp_path: Path,
) -> None:
    """The zygote listens on a Unix socket under TMPDIR (at most 107 bytes of path): a longer
    TMPDIR is refused in one line that says what to do, before anything starts; one that fits
    exactly at the limit is not refused."""
    code = (
        "import sys\n"
        "from grader.judge.sandbox import Engine, EngineError\n"
        "try:\n"
        "    Engine().start()\n"
        "except EngineError as exc:\n"
        "    print('refused:', exc)\n"
        "    sys.exit(3)\n"
    )
    room = 107 - len("/pymp-XXXXXXXX/listener-XXXXXXXX")
    for length, refused in ((room + 1, True), (room, False)):
        name = f"grade-test-{os.getpid()}-"
        folder = Path("/tmp") / (name + "t" * (length - len("/tmp/") - len(name)))
        folder.mkdir(exist_ok=True)
        try:
            env = {**os.environ, "TMPDIR": str(folder)}
            probe = (
                "import sys\nfrom grader.judge.sandbox import _check_socket_folder\n"
                f"_check_socket_folder({str(folder)!r})\n"
            )
            checked = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True)
            assert (checked.returncode != 0) is refused, checked.stderr
            if refused:
                done = subprocess.run(
                    [sys.executable, "-c", code], env=env, capture_output=True, text=True
                )
                assert done.returncode == 3, done.stderr
                assert "set TMPDIR to a shorter folder" in done.stdout
                assert str(length) in done.stdout
        finally:
            folder.rmdir()
