"""The handout installs with its own README's commands in a fresh venv, without a CUDA build.

The test writes a handout, takes the install block from its README as it stands, and runs those
lines, unchanged, with bash in the handout folder: a new venv, torch, then the handout itself.
Then it asks the venv what it holds (no `nvidia-*` or `triton` package; a torch without CUDA)
and grades with the venv's own `grade`. It installs torch for real (about 900 MB: minutes on a
busy machine), so it is marked slow. The machine's pip configuration is used as it is; pip
is told not to retry an index it cannot reach (PIP_RETRIES=0), so an offline machine that has
the CPU wheel on disk takes no longer than one that reaches the index.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader.judge.registry import Registry
from grader.staff.release import write_handout

pytestmark = pytest.mark.slow

CUDA_PACKAGES = re.compile(r"^(nvidia-|triton$|cuda-)", re.IGNORECASE)


def install_block(readme: str) -> list[str]:
    """The first indented block under "## Install": the commands a student types."""
    section = readme.split("## Install", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"(?:^    \S.*\n)+", section, flags=re.MULTILINE)
    return [line[4:] for line in blocks[0].splitlines()]


def test_the_install_block_is_venv_cpu_torch_then_the_handout() -> None:
    readme = "## Install\n\ntext\n\n    a\n    b  # c\n\nmore\n\n    d\n\n## Next\n"
    assert install_block(readme) == ["a", "b  # c"]


def test_handout_installs_with_its_readme_commands_without_cuda(
    tmp_path: Path, registry: Registry
) -> None:
    handout = tmp_path / "course"
    write_handout(registry, handout)
    commands = install_block((handout / "README.md").read_text(encoding="utf-8"))
    assert commands[0].startswith("python -m venv .venv")
    assert [c for c in commands if c.startswith("pip ")] == [
        "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu",
        "pip install -e .",
    ]
    python_dir = str(Path(sys.executable).parent)  # `python` is the interpreter running the test
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PATH=f"{python_dir}:{env['PATH']}", PIP_RETRIES="0")
    script = "set -euo pipefail\n" + "\n".join(commands) + "\n"
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=handout,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    venv = handout / ".venv" / "bin"
    listed = subprocess.run(
        [str(venv / "python"), "-m", "pip", "list", "--format=json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    names = {item["name"] for item in json.loads(listed.stdout)}
    assert {"torch", "grade"} <= names
    assert not {name for name in names if CUDA_PACKAGES.match(name)}
    probe = "import grader, torch; print(grader.__file__); print(torch.version.cuda)"
    where = subprocess.run(
        [str(venv / "python"), "-c", probe],
        cwd=tmp_path,  # not the handout: `python -c` puts its folder first on sys.path
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    grader_file, cuda = where.stdout.split()
    assert Path(grader_file).is_relative_to(handout / "grader")  # the handout's, editable
    assert cuda == "None"  # a CPU build of torch

    graded = subprocess.run(
        [str(venv / "grade"), "exercise2", "--json"],
        cwd=handout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert graded.returncode == 0, graded.stderr
    result = json.loads(graded.stdout)
    assert {check["status"] for check in result["checks"]} == {"not_attempted"}
