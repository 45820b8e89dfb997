"""The export formats, as one table: each is a name (its command-line option), a line of help
and a writer of a `BatchResult` to a path.

Adding an export is one `Export(...)` entry in `EXPORTS`: every command that writes exports
(`grade batch`, `grade gradebook export`) derives its `--<name> PATH` options from this table.
Writers import their module when they run, so that the table costs nothing to load.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.outputs.models import BatchResult


@dataclass(frozen=True)
class Course:
    """What a writer may need to know of the course besides the results."""

    ids: Sequence[str]  # the exercises, in lecture order
    titles: Mapping[str, str]  # exercise id -> title


Writer = Callable[[BatchResult, Course, Path], None]


@dataclass(frozen=True)
class Export:
    """One export format: `--<name> PATH` writes it."""

    name: str
    help: str
    write: Writer


def _csv(batch: BatchResult, course: Course, path: Path) -> None:
    from grader.outputs.exports import write_csv

    write_csv(batch, path, course.ids)


def _gradescope(batch: BatchResult, course: Course, path: Path) -> None:
    from grader.outputs.exports import write_gradescope

    write_gradescope(batch, path)


def _junit(batch: BatchResult, course: Course, path: Path) -> None:
    from grader.outputs.exports import write_junit

    write_junit(batch, path)


def _html(batch: BatchResult, course: Course, path: Path) -> None:
    from grader.outputs.html_report import write_html

    write_html(batch, course.titles, path)


def _html_staff(batch: BatchResult, course: Course, path: Path) -> None:
    from grader.outputs.html_report import write_html

    write_html(batch, course.titles, path, staff=True)


EXPORTS: tuple[Export, ...] = (
    Export("csv", "Write one row per student.", _csv),
    Export("gradescope", "Write <student>/results.json files here.", _gradescope),
    Export("junit", "Write JUnit XML.", _junit),
    Export("html", "Write a self-contained HTML report (what students may see).", _html),
    Export(
        "html-staff",
        "The HTML report with hidden checks' staff-only detail, marked (not for students).",
        _html_staff,
    ),
)


def write_exports(batch: BatchResult, course: Course, paths: Mapping[str, Path]) -> None:
    """Write each export named in `paths` (export name -> path), in the table's order."""
    unknown = sorted(set(paths) - {export.name for export in EXPORTS})
    if unknown:
        raise KeyError(f"no such export: {', '.join(unknown)}")
    for export in EXPORTS:
        if export.name in paths:
            export.write(batch, course, paths[export.name])
