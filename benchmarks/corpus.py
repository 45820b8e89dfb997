"""Submissions for the benchmarks: each exercise's reference, alternatives and mutants.

Every file is staff-written and known: the reference and its alternatives earn full marks, each
mutant is a known-wrong solution that `grade validate` proves is caught. Synthetic students get
one of them per exercise, made unique by a trailing comment, so no two files share a content
hash (the gradebook would otherwise be right to grade a file once).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.judge.registry import Exercise, Registry


@dataclass(frozen=True)
class Variant:
    """One known submission of one exercise."""

    exercise: str
    kind: str  # "solution", "alternative" or "mutant"
    path: Path

    @property
    def label(self) -> str:
        return f"{self.exercise}/{self.kind}:{self.path.stem}"


def variants(exercise: Exercise) -> list[Variant]:
    """The reference first, then alternatives, then mutants (each sorted by name)."""
    folder = exercise.reference_folder
    if folder is None or exercise.solution is None:
        return []
    found = [Variant(exercise.id, "solution", exercise.solution)]
    for kind, sub in (("alternative", "alternatives"), ("mutant", "mutants")):
        found += [Variant(exercise.id, kind, path) for path in sorted((folder / sub).glob("*.py"))]
    return found


def pick(exercise_variants: list[Variant], student: int, offset: int) -> Variant:
    """Student `student`'s file for one exercise: reference copies and mutants, about half each.

    Even-numbered students (shifted per exercise) hand in the reference or an alternative,
    the others a mutant, cycling through all of them.
    """
    correct = [v for v in exercise_variants if v.kind != "mutant"]
    wrong = [v for v in exercise_variants if v.kind == "mutant"] or correct
    turn = student + offset
    pool = correct if turn % 2 == 0 else wrong
    return pool[(turn // 2) % len(pool)]


def build_students(
    registry: Registry, folder: Path, students: int
) -> dict[tuple[str, str], Variant]:
    """`folder/s000/exerciseN.py` for every student and exercise; returns what each file is."""
    chosen: dict[tuple[str, str], Variant] = {}
    known = {e.id: variants(e) for e in registry.exercises()}
    exercises = [exercise for exercise in registry.exercises() if known[exercise.id]]
    for number in range(students):
        student = f"s{number:03d}"
        (folder / student).mkdir(parents=True, exist_ok=True)
        for offset, exercise in enumerate(exercises):
            variant = pick(known[exercise.id], number, offset)
            text = variant.path.read_text(encoding="utf-8") + f"\n# synthetic student {student}\n"
            (folder / student / f"{exercise.id}.py").write_text(text, encoding="utf-8")
            chosen[(student, exercise.id)] = variant
    return chosen
