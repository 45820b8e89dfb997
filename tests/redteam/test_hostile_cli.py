"""The `grade` command with hostile input: `--json` prints exactly the judge's object.

The submission prints forged results (text and JSON) on stdout and stderr, and sits in a
student folder that also holds torch.py, numpy.py, sitecustomize.py and a .pth file, with the
command started from that folder. The command's stdout must be one JSON document, the
judge's, with the forged text only inside its `output` field, and none of the planted
modules may have run, in the judge or in the sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hostile import Host, load_cases

from grader.outputs.models import ExerciseResult

ROOT = Path(__file__).resolve().parents[2]
# What the `grade` console script does; -P keeps the current folder off sys.path, as a
# console script does (a plain `python -m grader.cli` run from a student's folder would import
# the student's torch.py in the judge itself).
GRADE = [sys.executable, "-P", "-c", "import sys; from grader.cli import main; sys.exit(main())"]


def plant_modules(folder: Path, marker: Path) -> None:
    payload = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    for name in ("torch.py", "numpy.py", "sitecustomize.py", "usercustomize.py", "grader.py"):
        (folder / name).write_text(payload)
    (folder / "planted.pth").write_text("import os; " + payload)


def test_json_output_is_exactly_the_judges_object(host: Host) -> None:
    case = next(case for case in load_cases() if case.name == "forged_output")
    student = host.tmp / "bob"
    student.mkdir()
    marker = host.tmp / "planted-module-ran"
    plant_modules(student, marker)
    (student / "exercise2.py").write_text(case.text(host.fill()))
    env = {key: value for key, value in os.environ.items() if not key.startswith("GRADE_")}
    done = subprocess.run(
        [
            *GRADE,
            "exercise2",
            "--file",
            "exercise2.py",
            "--json",
            "--device",
            "cpu",
            "--root",
            str(ROOT),
        ],
        cwd=student,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = ExerciseResult.model_validate(json.loads(done.stdout))  # the whole of stdout
    assert done.stdout == result.model_dump_json(indent=2) + "\n"
    assert result.score == 0 and {c.status for c in result.checks} == {"not_attempted"}
    assert host.mark in result.output  # the forgery is feedback, inside the object
    assert host.mark not in done.stderr
    assert not marker.exists(), marker.read_text()
