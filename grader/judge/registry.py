"""The exercise registry: finds exercises by walking folders, never from a hand-kept list.

exercises/<id>/exercise.toml   metadata (grader.outputs.models.ExerciseMeta)
exercises/<id>/<id>.py         the stub students edit
exercises/<id>/README.md       the task
exercises/<id>/checks.py       public checks (judge-side)
exercises/<id>/probes.py       optional sandbox-side probes (public)
reference/<id>/solution.py     the reference solution (staff only)
reference/<id>/hidden_checks.py  hidden checks (staff only)
reference/<id>/mutants/*.py    known-wrong solutions, each with a header:
                               # misconception: <what the mistake is>
                               # fails: check_a, check_b
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType

import tomllib
from pydantic import ValidationError

from grader.authoring.check import CheckSpec, collect
from grader.outputs.models import ExerciseMeta


class RegistryError(Exception):
    """The course folder or an exercise's files are not as the registry expects."""


@dataclass(frozen=True)
class Mutant:
    path: Path
    misconception: str
    fails: tuple[str, ...]


@dataclass(frozen=True)
class HiddenSummary:
    """What a handout knows about hidden checks: how many and their points, nothing else."""

    count: int
    points: float


@dataclass(frozen=True)
class Exercise:
    meta: ExerciseMeta
    folder: Path
    reference_folder: Path | None

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def stub(self) -> Path:
        return self.folder / f"{self.id}.py"

    @property
    def probes_path(self) -> Path | None:
        path = self.folder / "probes.py"
        return path if path.is_file() else None

    @property
    def solution(self) -> Path | None:
        return self._staff_file("solution.py")

    @property
    def hidden_checks_path(self) -> Path | None:
        return self._staff_file("hidden_checks.py")

    def _staff_file(self, name: str) -> Path | None:
        if self.reference_folder is None:
            return None
        path = self.reference_folder / name
        return path if path.is_file() else None

    @cached_property
    def public_checks(self) -> list[CheckSpec]:
        return _load_checks(self.folder / "checks.py", self.id, hidden=False)

    @cached_property
    def hidden_checks(self) -> list[CheckSpec]:
        path = self.hidden_checks_path
        return _load_checks(path, self.id, hidden=True) if path else []

    def checks(self, include_hidden: bool = True) -> list[CheckSpec]:
        found = self.public_checks + (self.hidden_checks if include_hidden else [])
        names = [spec.name for spec in found]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise RegistryError(f"{self.id}: check names used twice: {', '.join(duplicates)}")
        return found

    @property
    def hidden_summary(self) -> HiddenSummary | None:
        """Hidden checks as staff see them, or the summary a handout ships (hidden.json)."""
        if self.hidden_checks_path is not None:
            specs = self.hidden_checks
            return HiddenSummary(len(specs), sum(spec.points for spec in specs))
        summary = self.folder / "hidden.json"
        if summary.is_file():
            data = json.loads(summary.read_text(encoding="utf-8"))
            return HiddenSummary(int(data["count"]), float(data["points"]))
        return None

    def max_score(self, include_hidden: bool = True) -> float:
        return sum(spec.points for spec in self.checks(include_hidden))

    def module(self, name: str) -> ModuleType:
        """A public file of this exercise loaded judge-side, e.g. module("checks") for helpers."""
        path = self.folder / f"{name}.py"
        if not path.is_file():
            raise RegistryError(f"{self.id}: no {path.name}")
        return load_module(path, f"grader_course.{self.id}.{name}")

    @cached_property
    def probes(self) -> ModuleType | None:
        """The probes module loaded judge-side (trusted: staff code), for shared builders."""
        path = self.probes_path
        return load_module(path, f"grader_course.{self.id}.probes") if path else None

    @cached_property
    def reference(self) -> ModuleType:
        """The reference solution loaded judge-side, for expected values in hidden checks."""
        if self.solution is None:
            raise RegistryError(f"{self.id}: no reference solution here (is this a handout?)")
        return load_module(self.solution, f"grader_course.{self.id}.solution")

    @cached_property
    def mutants(self) -> list[Mutant]:
        if self.reference_folder is None or not (self.reference_folder / "mutants").is_dir():
            return []
        return [
            read_mutant(path) for path in sorted((self.reference_folder / "mutants").glob("*.py"))
        ]


class Registry:
    """All exercises under one course root, in lecture order."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        if not (self.root / "exercises").is_dir():
            raise RegistryError(f"{self.root} has no exercises/ folder")

    @cached_property
    def _exercises(self) -> dict[str, Exercise]:
        found = [
            self._read(folder)
            for folder in sorted((self.root / "exercises").iterdir())
            if (folder / "exercise.toml").is_file()
        ]
        found.sort(key=lambda ex: (ex.meta.order, ex.id))
        return {ex.id: ex for ex in found}

    def _read(self, folder: Path) -> Exercise:
        try:
            data = tomllib.loads((folder / "exercise.toml").read_text(encoding="utf-8"))
            meta = ExerciseMeta.model_validate(data)
        except (tomllib.TOMLDecodeError, ValidationError) as exc:
            raise RegistryError(f"{folder / 'exercise.toml'}: {exc}") from exc
        if meta.id != folder.name:
            raise RegistryError(
                f"{folder / 'exercise.toml'}: id {meta.id!r} != folder {folder.name!r}"
            )
        reference = self.root / "reference" / meta.id
        return Exercise(meta, folder, reference if reference.is_dir() else None)

    def exercises(self) -> list[Exercise]:
        return list(self._exercises.values())

    def ids(self) -> list[str]:
        return list(self._exercises)

    def get(self, exercise_id: str) -> Exercise:
        try:
            return self._exercises[exercise_id]
        except KeyError:
            known = ", ".join(self._exercises) or "none"
            raise RegistryError(f"unknown exercise {exercise_id!r} (known: {known})") from None


def find_root(start: Path) -> Path:
    """The course root: the nearest folder at or above `start` with an exercises/ folder."""
    for folder in [start.resolve(), *start.resolve().parents]:
        if (folder / "exercises").is_dir() and any((folder / "exercises").glob("*/exercise.toml")):
            return folder
    package_root = Path(__file__).resolve().parents[2]
    if (package_root / "exercises").is_dir():
        return package_root
    raise RegistryError(f"no course folder (with exercises/) at or above {start}")


def read_mutant(path: Path) -> Mutant:
    misconception, fails = "", ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line.lstrip("# ").partition(":")
        if key.strip() == "misconception":
            misconception = value.strip()
        elif key.strip() == "fails":
            fails = value
    names = tuple(name.strip() for name in fails.split(",") if name.strip())
    if not misconception or not names:
        raise RegistryError(f"{path}: mutant header needs '# misconception:' and '# fails:' lines")
    return Mutant(path, misconception, names)


def load_module(path: Path, name: str) -> ModuleType:
    """Import a trusted course file (checks, probes, reference) by path, judge-side."""
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RegistryError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _load_checks(path: Path, exercise_id: str, hidden: bool) -> list[CheckSpec]:
    if not path.is_file():
        return []
    kind = "hidden_checks" if hidden else "checks"
    module = load_module(path, f"grader_course.{exercise_id}.{kind}")
    return collect(vars(module), hidden)
