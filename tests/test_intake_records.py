"""grader/staff/intake/records.py on its own: a candidate's depth and rank, and what merging two
records of one student (two submitters matched to one roster id) keeps."""

from __future__ import annotations

from grader.staff.intake.blobs import Blob
from grader.staff.intake.records import Candidate, StudentRecord


def candidate(origin: str, **changes: object) -> Candidate:
    fields: dict[str, object] = {
        "exercise": "exercise1",
        "origin": origin,
        "blob": Blob(origin),
        "notebook": False,
        "resubmission": 0,
        "late": False,
        "notes": (),
        "source": "folder:ann",
    }
    return Candidate(**{**fields, **changes})  # type: ignore[arg-type]


def test_depth_counts_folders_and_the_step_into_an_archive() -> None:
    assert candidate("exercise1.py").depth() == 0
    assert candidate("ann/exercise1.py").depth() == 1
    assert candidate("ann/work.zip:exercise1.py").depth() == 2
    assert candidate("ann/work.zip:src/lab/exercise1.py").depth() == 4


def test_rank_orders_py_then_canvas_then_resubmission_then_depth_then_name() -> None:
    plain = candidate("ann/b/exercise1.py")
    assert plain.rank() == (False, 1, 0, 2, "ann/b/exercise1.py")  # no Canvas submission: -1
    ranked = sorted(
        [
            candidate("ann/exercise1.ipynb", notebook=True),
            candidate("ann/a/b/exercise1.py"),
            candidate("ann/z.zip:exercise1.py"),
            candidate("ann/y.zip:exercise1.py"),
            candidate("ann/a/b/c/exercise1-2.py", resubmission=2),
            candidate("ann/exercise1.py", canvas_submission=7, resubmission=0),
            candidate("ann/exercise1_old.py", canvas_submission=3, resubmission=5),
        ],
        key=Candidate.rank,
    )
    assert [c.origin for c in ranked] == [
        "ann/exercise1.py",
        "ann/exercise1_old.py",
        "ann/a/b/c/exercise1-2.py",
        "ann/y.zip:exercise1.py",
        "ann/z.zip:exercise1.py",
        "ann/a/b/exercise1.py",
        "ann/exercise1.ipynb",
    ]


def test_merging_keeps_both_records_files_notes_sources_and_late_marks() -> None:
    for first_late, second_late in ((False, True), (True, False), (True, True), (False, False)):
        first = StudentRecord("Ann", late=first_late, unmatched=2, notes=["n1"])
        first.candidates.append(candidate("ann/exercise1.py"))
        first.sources["folder:ann"] = ("folder", "folder ann")
        second = StudentRecord("ANN", late=second_late, unmatched=3, notes=["n2"])
        second.candidates.append(candidate("Ann.zip:exercise2.py", exercise="exercise2"))
        second.sources["zip:Ann.zip"] = ("zip", "Ann.zip")
        first.merge(second)
        assert first.late is (first_late or second_late)
        assert first.unmatched == 5
        assert first.notes == ["n1", "n2"]
        assert [c.origin for c in first.candidates] == ["ann/exercise1.py", "Ann.zip:exercise2.py"]
        assert first.sources == {
            "folder:ann": ("folder", "folder ann"),
            "zip:Ann.zip": ("zip", "Ann.zip"),
        }
        assert (first.display_name, first.submitted) == ("Ann", True)
