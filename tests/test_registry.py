"""The registry: exercises found by walking folders, metadata validated, mutants parsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.judge.registry import Registry, RegistryError, find_root, read_mutant

ROOT = Path(__file__).resolve().parent.parent


def make_course(root: Path, toml: str, name: str = "exercise7") -> Path:
    folder = root / "exercises" / name
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(toml)
    (folder / f"{name}.py").write_text("def f():\n    raise NotImplementedError\n")
    return folder


def test_the_course_is_in_lecture_order(registry: Registry) -> None:
    ids = registry.ids()
    assert ids == sorted(ids, key=lambda i: int(i.removeprefix("exercise")))
    assert ids[0] == "exercise1" and "exercise2" in ids


def test_every_exercise_has_checks_and_a_stub(registry: Registry) -> None:
    for exercise in registry.exercises():
        assert exercise.stub.is_file()
        assert exercise.max_score(include_hidden=False) > 0


def test_unknown_exercise_names_the_known_ones(registry: Registry) -> None:
    with pytest.raises(RegistryError, match="exercise2"):
        registry.get("exercise99")


def test_bad_metadata_is_a_clear_error(tmp_path: Path) -> None:
    make_course(tmp_path, 'id = "exercise7"\ntitle = "t"\n')  # no order, no functions
    with pytest.raises(RegistryError, match="exercise.toml"):
        Registry(tmp_path).exercises()


def test_id_must_match_the_folder(tmp_path: Path) -> None:
    make_course(tmp_path, 'id = "exercise8"\ntitle = "t"\norder = 8\nfunctions = ["f"]\n')
    with pytest.raises(RegistryError, match="folder"):
        Registry(tmp_path).exercises()


def test_find_root_walks_up(tmp_path: Path) -> None:
    make_course(tmp_path, 'id = "exercise7"\ntitle = "t"\norder = 7\nfunctions = ["f"]\n')
    deep = tmp_path / "exercises" / "exercise7"
    assert find_root(deep) == tmp_path.resolve()


def test_mutant_header_is_required(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text("# misconception: sign flipped\n# fails: a, b\nx = 1\n")
    mutant = read_mutant(good)
    assert mutant.misconception == "sign flipped" and mutant.fails == ("a", "b")
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\n")
    with pytest.raises(RegistryError):
        read_mutant(bad)


def test_every_shipped_mutant_has_a_header(registry: Registry) -> None:
    for exercise in registry.exercises():
        assert len(exercise.mutants) >= 4, exercise.id
