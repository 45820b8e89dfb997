"""Which of a student's candidate files is graded, per exercise.

Sources: a student folder, a zip, one Canvas user's files and one Moodle participant's
folders and files are each one source. When two sources feed one id (a folder named like a
Canvas user id, `alice/` and `alice.zip`, two folders whose names differ only in Unicode
normalisation or undecodable bytes, two submitters matching one roster id), nothing of that
id is graded and a warning lists the sources; staff choose one by its kind (`folder`, `zip`,
`canvas`, `moodle`) with `sources={id: kind}` (`grade batch --source ID=KIND`) or a `source`
column in the roster, or rename what is wrong on disk.

Per student and exercise, among files named for the exercise: a `.py` beats an `.ipynb` (with
a warning), then the latest Canvas submission or the highest re-submission number wins (a
note), then the shallowest path, then the first by name (a warning: several files).

In a one-exercise batch (any `.py`/`.ipynb` is a source): the newest upload wins (the highest
Canvas submission number, written by Canvas), then the highest re-submission number
(`relu-2.py` over `relu.py`), then a file named for the exercise, then a `.py` over a
notebook, then the shallowest path, then the first by name; a student with several such files
gets one warning line that names the file graded, the rule that chose it, and the others.

Per student, the chosen files may total the size limit, spent in exercise order: a file that
does not fit in what is left is not graded, with a warning, and a later one that fits still is.
Only the chosen files are read, and with `lazy` not even those.
"""

from __future__ import annotations

import dataclasses

from grader.staff.intake.blobs import ArchiveError
from grader.staff.intake.model import SOURCE_KINDS, SourceFile, StudentSubmission
from grader.staff.intake.reader import MAX_UNMATCHED_LISTED, Reader
from grader.staff.intake.records import Candidate, StudentRecord

# What decided between the graded file and the next one, by the first key of `single_rank`
# where they differ.
_SINGLE_RULES = (
    "the newest Canvas upload",
    "the highest re-submission number",
    "named for the exercise",
    "a .py before a notebook",
    "the shallowest path",
    "the first by name",
)


def single_rank(candidate: Candidate) -> tuple[int, int, bool, bool, int, str]:
    """The order of a one-exercise batch's candidates (the first is graded)."""
    return (
        -candidate.canvas_submission,
        -candidate.resubmission,
        not candidate.named,
        candidate.notebook,
        candidate.depth(),
        candidate.origin,
    )


def resolve(student: str, record: StudentRecord, reader: Reader, choice: str) -> StudentSubmission:
    """The files graded for one student, after the choice of source and of file."""
    notes = list(record.notes)
    candidates = _from_one_source(student, record, choice, reader.warnings, notes)
    files: list[SourceFile] = []
    budget = reader.max_bytes
    for exercise in reader.exercise_ids:
        rank = single_rank if reader.single else Candidate.rank
        group = sorted((c for c in candidates if c.exercise == exercise), key=rank)
        if not group:
            continue
        if group[0].blob.size > budget:
            reader.warnings.append(
                f"{student}: {exercise}: {group[0].origin} not graded: this student's files "
                f"total over the {reader.max_bytes >> 20} MB budget"
            )
            notes.append(f"{exercise} not graded: over this student's memory budget")
            continue
        pick = _choose_single if reader.single else _choose
        source = pick(student, group, reader.warnings)
        if not reader.lazy:
            try:
                source = dataclasses.replace(source, data=source.read(), blob=None)
            except (OSError, ArchiveError) as exc:  # changed or vanished since it was listed
                reader.warnings.append(f"{source.origin}: cannot be read ({exc}); not graded")
                continue
        budget -= group[0].blob.size
        files.append(source)
    if record.unmatched > MAX_UNMATCHED_LISTED:
        hidden = record.unmatched - MAX_UNMATCHED_LISTED
        reader.warnings.append(f"{student}: {hidden} more unmatched files, not listed")
    if not record.submitted:
        notes.append("no submission")
    elif not files:
        notes.append("no gradable file found")
    late = record.late or any(source.late for source in files)
    return StudentSubmission(student, record.display_name, tuple(files), late, tuple(notes))


def _from_one_source(
    student: str, record: StudentRecord, choice: str, warnings: list[str], notes: list[str]
) -> list[Candidate]:
    """The candidates of one source; none (and a warning) when several sources hold files
    for this id and staff have not chosen a kind that names exactly one of them."""
    fed = {c.source: record.sources[c.source] for c in record.candidates}
    if len(fed) <= 1:
        return record.candidates
    kept = {key for key, (kind, _) in fed.items() if kind == choice}
    if len(kept) == 1:
        notes.append(f"graded from the {choice} source chosen by staff; other sources ignored")
        if choice != "canvas":  # only a Canvas name marks work late: an ignored one does not
            record.late = False
        return [c for c in record.candidates if c.source in kept]
    labels = "; ".join(sorted(label for _, label in fed.values()))
    chose = f" (the chosen kind {choice!r} names {len(kept)} of them)" if choice else ""
    warnings.append(
        f"{student}: {len(fed)} sources feed this id ({labels}){chose}; "
        f"nothing graded: choose one with --source {student}=KIND (one of "
        f"{', '.join(SOURCE_KINDS)}) or the roster's source column, or rename one"
    )
    notes.append(f"not graded: {len(fed)} sources feed this id; staff must choose")
    record.late = False
    return []


def _choose(student: str, ranked: list[Candidate], warnings: list[str]) -> SourceFile:
    """The graded file among one student's candidates for one exercise (sorted by rank)."""
    chosen, rest = ranked[0], ranked[1:]
    notes = list(chosen.notes)
    same_kind = [c for c in rest if c.notebook == chosen.notebook]
    if chosen.canvas_submission >= 0 and any(
        c.canvas_submission < chosen.canvas_submission for c in same_kind
    ):
        older = [c for c in same_kind if c.canvas_submission < chosen.canvas_submission]
        notes.append(
            f"latest Canvas submission ({chosen.canvas_submission}) used; "
            f"{len(older)} older ignored"
        )
    elif chosen.resubmission:
        older = [c for c in same_kind if c.resubmission < chosen.resubmission]
        notes.append(f"re-submission -{chosen.resubmission} used; {len(older)} older ignored")
    notebooks = [c.origin for c in rest if c.notebook and not chosen.notebook]
    if notebooks:
        warnings.append(
            f"{student}: {chosen.exercise}: both .py and .ipynb; graded "
            f"{chosen.origin}, ignored {', '.join(notebooks)}"
        )
    same = [
        c.origin
        for c in same_kind
        if c.resubmission == chosen.resubmission and c.canvas_submission == chosen.canvas_submission
    ]
    if same:
        warnings.append(
            f"{student}: {chosen.exercise}: several files; graded {chosen.origin}, "
            f"ignored {', '.join(same)}"
        )
    return SourceFile(
        chosen.exercise, chosen.origin, b"", chosen.late, tuple(notes), blob=chosen.blob
    )


def _choose_single(student: str, ranked: list[Candidate], warnings: list[str]) -> SourceFile:
    """A one-exercise batch: the first by `single_rank`; one warning line when there are more."""
    chosen, rest = ranked[0], ranked[1:]
    notes = list(chosen.notes)
    if rest:
        first, second = single_rank(chosen), single_rank(rest[0])
        differ = (i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b)
        rule = _SINGLE_RULES[next(differ, -1)]
        ignored = ", ".join(c.origin for c in rest)
        warnings.append(
            f"{student}: {chosen.exercise}: {len(ranked)} source files; graded "
            f"{chosen.origin} ({rule}), ignored {ignored}"
        )
        notes.append(f"{len(ranked)} source files: graded {chosen.origin} ({rule})")
    return SourceFile(
        chosen.exercise, chosen.origin, b"", chosen.late, tuple(notes), blob=chosen.blob
    )
