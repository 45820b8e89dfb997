"""benchmarks/mutation_server.py: the exit status mutmut reads is 1 for every failed run.

mutmut 2 counts a mutant as killed only when its runner exits 1, so a mutant that breaks the
tests' import (pytest exits 2) or kills the test process used to be counted as surviving. The
runner is run here on a small project in tmp_path, without its server (the `plain` path, and
`run` with no server listening): each way a test run can fail exits 1, a passing run 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parent.parent / "benchmarks" / "mutation_server.py"

TESTS = {
    "passes": "def test_ok():\n    assert True\n",
    "fails": "def test_bad():\n    assert False\n",
    "collection_error": "import module_that_is_not_there\n\ndef test_ok():\n    pass\n",
    "killed": "import os, signal\n\ndef test_dies():\n    os.kill(os.getpid(), signal.SIGKILL)\n",
    "no_tests": "X = 1\n",
}
# no third-party plugins: each run is a fresh interpreter, and loading them is most of its cost
ENV = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
EXPECTED = {"passes": 0, "fails": 1, "collection_error": 1, "killed": 1, "no_tests": 1}


def runner(tmp_path: Path, how: list[str], case: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / f"test_{case}.py").write_text(TESTS[case])
    args = ["-q", "-p", "no:cacheprovider", "--noconftest", f"test_{case}.py"]
    return subprocess.run(
        [sys.executable, str(SERVER), *how, "--", *args],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("case", sorted(TESTS))
def test_plain_runner_exits_1_for_every_failure(tmp_path: Path, case: str) -> None:
    done = runner(tmp_path, ["plain"], case)
    assert done.returncode == EXPECTED[case], done.stderr
    if EXPECTED[case]:
        assert "the tests did not pass" in done.stderr


@pytest.mark.parametrize("case", ["collection_error"])
def test_run_without_a_server_falls_back_to_the_same_verdict(tmp_path: Path, case: str) -> None:
    done = runner(tmp_path, ["run", str(tmp_path / "no.sock")], case)
    assert done.returncode == EXPECTED[case], done.stderr


def test_plain_pytest_would_have_hidden_the_collection_error(tmp_path: Path) -> None:
    """The control: pytest itself exits 2, which mutmut 2 reads as 'tests pass'."""
    (tmp_path / "test_c.py").write_text(TESTS["collection_error"])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--noconftest",
            "test_c.py",
        ],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 2
