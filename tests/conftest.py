"""Shared fixtures: deterministic runs, the course registry, one forkserver engine per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from grader.judge.registry import Registry

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(0)
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry(ROOT)


@pytest.fixture(scope="session")
def engine() -> Iterator[object]:
    from grader.judge.sandbox import Engine

    engine = Engine("forkserver")
    engine.start()
    yield engine
