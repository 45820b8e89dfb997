"""Tests for grader.staff.options: what `grade batch`'s options mean, checked before grading."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.judge.registry import Registry
from grader.staff.options import BatchOptions, BatchUsageError, parallel_judges, run_batch


def test_sources_are_id_equals_kind(tmp_path: Path) -> None:
    options = BatchOptions(tmp_path, sources=("1001=canvas", "a=b=zip"))
    assert options.chosen_sources() == {"1001": "canvas", "a=b": "zip"}
    with pytest.raises(BatchUsageError, match="--source takes ID=KIND"):
        BatchOptions(tmp_path, sources=("=canvas",)).chosen_sources()


def test_a_missing_folder_roster_or_exercise_is_a_usage_error(
    tmp_path: Path, registry: Registry
) -> None:
    with pytest.raises(BatchUsageError, match="no such folder"):
        BatchOptions(tmp_path / "nope").check(registry)
    with pytest.raises(BatchUsageError, match="no such roster file"):
        BatchOptions(tmp_path, roster=tmp_path / "roster.csv").check(registry)
    with pytest.raises(BatchUsageError, match="'exercise99' is not an exercise"):
        BatchOptions(tmp_path, exercise="exercise99").check(registry)
    BatchOptions(tmp_path, exercise="exercise2").check(registry)


def test_an_empty_folder_is_a_usage_error_before_any_judge_starts(
    tmp_path: Path, registry: Registry
) -> None:
    with pytest.raises(BatchUsageError, match="no submissions found"):
        run_batch(registry, BatchOptions(tmp_path, db=tmp_path / "book.sqlite", workers=1))
    with pytest.raises(BatchUsageError, match="local:N needs a positive N"):
        run_batch(registry, BatchOptions(tmp_path, scheduler="local:0"))


def test_judges_on_a_cpu_are_the_workers_asked_for() -> None:
    assert parallel_judges(3, "cpu", 1) == 3
