"""PrairieLearn: an external-grader entrypoint.

A question's `info.json` names the grader's image and this entrypoint, and ships the course's
exercise and staff files to the grader as server files:

    "gradingMethod": "External",
    "externalGradingOptions": {
        "enabled": true,
        "image": "<an image with torch (CPU) and the grade wheel installed>",
        "serverFilesCourse": ["grade-course/"],
        "entrypoint": "grade prairielearn --course /grade/serverFilesCourse/grade-course",
        "timeout": 120
    }

and its `params` (set in `server.py`, or fixed) name the exercise: `{"exercise": "exercise2"}`.
PrairieLearn puts the student's files in `/grade/student`, the question's data in
`/grade/data/data.json`, and reads `/grade/results/results.json`: `gradable`, `score` as a
fraction, `message`, `tests[]` (`name`, `points`, `max_points`, `message`, `output`), at most
1 MB. An unreadable upload is `gradable: false` with `format_errors`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.judge.registry import Registry, RegistryError
from grader.outputs.exports import check_output
from grader.outputs.models import ExerciseResult
from grader.platforms.upload import GradedUpload, grade_upload

RESULTS_LIMIT = 1_000_000  # bytes PrairieLearn accepts in results.json
DEFAULT_ROOT = Path("/grade")


def exercise_ids(data_path: Path, given: list[str]) -> list[str]:
    """The exercises to grade: given on the command line, else the question's params."""
    if given:
        return given
    data = json.loads(data_path.read_text("utf-8"))
    params = data.get("params", {}) if isinstance(data, dict) else {}
    named = params.get("exercises") or params.get("exercise")
    if isinstance(named, str):
        return [named]
    if isinstance(named, list) and all(isinstance(x, str) for x in named) and named:
        return list(named)
    raise ValueError("the question's params name no exercise (params.exercise)")


def run_external_grader(root: Path, course: Path, given: list[str]) -> dict[str, Any]:
    """Grade `root/student`, write `root/results/results.json`, return what was written."""
    try:
        ids = exercise_ids(root / "data" / "data.json", given)
        registry = Registry(course)
        for exercise_id in ids:
            registry.get(exercise_id)
    except (OSError, ValueError, RegistryError) as exc:
        return _write(root, _not_gradable([f"the grader is misconfigured: {exc}"]))
    student = root / "student"
    if not student.is_dir():
        return _write(root, _not_gradable(["no files were submitted"]))
    graded = grade_upload(registry, ids, student)
    unreadable = [r for r in graded.results if r.exercise in graded.found and _unreadable(r)]
    if not graded.found or len(unreadable) == len(graded.found):
        problems = [c.feedback for r in unreadable for c in r.checks[:1]]
        return _write(root, _not_gradable([*problems, *graded.notes] or ["no gradable file"]))
    return _write(root, prairielearn_results(graded))


def prairielearn_results(graded: GradedUpload) -> dict[str, Any]:
    tests = [
        {
            "name": f"{result.exercise}: {check.title or check.name}",
            "points": check.score,
            "max_points": check.max_score,
            "message": check.status,
            "output": check_output(check),
        }
        for result in graded.results
        for check in result.checks
    ]
    summary = ", ".join(
        f"{r.exercise} {format(r.score, 'g')}/{format(r.max_score, 'g')}" for r in graded.results
    )
    isolation = graded.isolation
    message = [summary, *graded.notes]
    if isolation.degraded:
        message.append("degraded isolation: missing " + ", ".join(isolation.missing))
    return {
        "gradable": True,
        "score": round(graded.score / graded.max_score, 6) if graded.max_score else 0.0,
        "message": "\n".join(message),
        "tests": tests,
    }


def _unreadable(result: ExerciseResult) -> bool:
    """The file never reached a sandbox: not source text (binary, not UTF-8, too large)."""
    return result.isolation.engine == "none" and all(c.status == "invalid" for c in result.checks)


def _not_gradable(errors: list[str]) -> dict[str, Any]:
    return {"gradable": False, "score": 0.0, "message": errors[0], "format_errors": errors}


def _write(root: Path, results: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(results, indent=2)
    for _ in range(30):
        if len(text.encode("utf-8")) <= RESULTS_LIMIT or not results.get("tests"):
            break
        for test in results["tests"]:  # shorten outputs until it fits, never drop points
            test["output"] = test["output"][: max(0, len(test["output"]) // 2)]
        text = json.dumps(results, indent=2)
    target = root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text + "\n", encoding="utf-8")
    return results
