"""The platform commands of `grade`: build a Gradescope autograder, run inside Gradescope and
PrairieLearn, push grades to Canvas. `grader.cli` registers them with `register(app)`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from grader.judge.registry import Registry, RegistryError, find_root
from grader.outputs import console as out
from grader.outputs.text import escape_controls

# grader.platforms.gradescope and .prairielearn are imported by the commands that use them:
# they import the judge, and with it torch, which `grade`'s other commands load only later
# (`grade exerciseN` starts its zygote first; see grader.student.engine).

if TYPE_CHECKING:
    from grader.staff.policy import CoursePolicy


def _registry(root: Path | None) -> Registry:
    try:
        return Registry(root) if root is not None else Registry(find_root(Path.cwd()))
    except RegistryError as exc:
        out.error_line(str(exc))
        raise typer.Exit(2) from None


def gradescope_command(
    exercises: Annotated[
        list[str], typer.Argument(metavar="EXERCISE...", help="The assignment's exercises.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The zip to write (autograder.zip).")
    ] = Path("autograder.zip"),
    hidden_visibility: Annotated[
        str,
        typer.Option(
            "--hidden-visibility",
            help="When students see hidden checks' results: hidden, after_due_date, "
            "after_published (default) or visible.",
        ),
    ] = "after_published",
    wheel: Annotated[
        Path | None, typer.Option("--wheel", help="A built grade wheel to ship (default: build).")
    ] = None,
    root: Annotated[Path | None, typer.Option("--root", help="Course folder.")] = None,
) -> None:
    """Write a Gradescope autograder zip for one assignment of one or more exercises."""
    from grader.platforms import gradescope

    registry = _registry(root)
    if hidden_visibility not in gradescope.VISIBILITIES:
        out.error_line(f"--hidden-visibility must be one of {', '.join(gradescope.VISIBILITIES)}")
        raise typer.Exit(2)
    try:
        for exercise_id in exercises:
            registry.get(exercise_id)
    except RegistryError as exc:
        out.error_line(str(exc))
        raise typer.Exit(2) from None
    if wheel is not None and not wheel.is_file():
        out.error_line(f"no such wheel: {wheel}")
        raise typer.Exit(2)
    try:
        path = gradescope.build_autograder(
            registry,
            exercises,
            output,
            hidden_visibility=hidden_visibility,
            wheel=wheel,
        )
    except RuntimeError as exc:
        out.error_line(str(exc))
        raise typer.Exit(1) from None
    out.make_console().print(f"wrote {path} ({', '.join(exercises)})", markup=False)


def gradescope_run_command(
    root: Annotated[
        Path | None, typer.Option("--root", help="Gradescope's root (default /autograder).")
    ] = None,
) -> None:
    """Grade /autograder/submission into /autograder/results/results.json (inside Gradescope)."""
    from grader.platforms import gradescope

    results = gradescope.run_autograder(root or gradescope.autograder_root())
    out.make_console().print(f"score {results['score']}", markup=False)


def prairielearn_command(
    course: Annotated[
        Path, typer.Option("--course", help="The course folder (exercises/ and reference/).")
    ],
    exercise: Annotated[
        list[str] | None,
        typer.Option("--exercise", help="The exercise to grade (default: params.exercise)."),
    ] = None,
    root: Annotated[Path, typer.Option("--root", help="PrairieLearn's root.")] = Path("/grade"),
) -> None:
    """PrairieLearn's external grader: /grade/student in, /grade/results/results.json out."""
    from grader.platforms import prairielearn

    results = prairielearn.run_external_grader(root, course, list(exercise or []))
    out.make_console().print(
        f"gradable {results['gradable']}, score {results['score']}", markup=False
    )


def canvas_command(
    url: Annotated[str, typer.Option("--url", help="The Canvas site, e.g. https://canvas.x.edu")],
    course: Annotated[int, typer.Option("--course", help="The Canvas course id.")],
    assignment: Annotated[int, typer.Option("--assignment", help="The Canvas assignment id.")],
    exercise: Annotated[
        list[str],
        typer.Option("--exercise", help="The exercise to post (repeat: their total is posted)."),
    ],
    db: Annotated[Path, typer.Option("--db", help="The gradebook file.")] = Path(
        "gradebook.sqlite"
    ),
    roster: Annotated[
        Path | None, typer.Option("--roster", help="CSV with id and canvas_id columns.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be sent; send nothing.")
    ] = False,
    root: Annotated[
        Path | None,
        typer.Option("--root", help="The course folder: its course.toml's policy applies."),
    ] = None,
) -> None:
    """Post each student's score after course policy and overrides, and a summary, to a Canvas
    assignment (token: CANVAS_API_TOKEN)."""
    import os

    from grader.platforms import canvas
    from grader.staff.gradebook import Gradebook

    if not db.is_file():
        out.error_line(f"no such gradebook: {db}")
        raise typer.Exit(2)
    token = os.environ.get(canvas.TOKEN_ENV, "")
    if not token and not dry_run:
        out.error_line(f"set {canvas.TOKEN_ENV} to a Canvas access token (never an argument)")
        raise typer.Exit(2)
    try:
        ids = canvas.read_canvas_ids(roster) if roster is not None else {}
        with Gradebook(db) as book:
            plan = canvas.plan_push(book.latest(course_policy(root)), exercise, ids)
        console = out.make_console()
        for student in plan.unmatched:
            console.print(
                f"unmatched (no Canvas user id): {escape_controls(student)}", markup=False
            )
        for student in plan.ungraded:
            console.print(
                f"no result for {', '.join(exercise)}: {escape_controls(student)}", markup=False
            )
        if dry_run:
            for grade in plan.grades:
                console.print(
                    f"would post {grade.score:g}/{grade.max_score:g} to Canvas user "
                    f"{grade.canvas_user} ({escape_controls(grade.student)})",
                    markup=False,
                )
            return
        outcome = canvas.push(plan, url=url, token=token, course=course, assignment=assignment)
    except canvas.CanvasError as exc:
        out.error_line(str(exc))
        raise typer.Exit(1) from None
    posted = sum(result == "posted" for result in outcome.values())
    for student, result in outcome.items():
        if result != "posted":
            console.print(f"{escape_controls(student)}: {escape_controls(result)}", markup=False)
    console.print(f"posted {posted} of {len(plan.grades)} grades", markup=False)


def course_policy(root: Path | None) -> CoursePolicy:
    """The course's `course.toml` (at `root`, or the course found from here); a bad one, or no
    course, is one error line and exit 2."""
    from grader.staff.policy import CourseError, course_file, load_course

    registry = _registry(root)
    try:
        return load_course(course_file(registry.root), registry.ids())
    except CourseError as exc:
        out.error_line(str(exc))
        raise typer.Exit(2) from None


def register(app: typer.Typer, gradebook_app: typer.Typer) -> None:
    app.command("gradescope")(gradescope_command)
    app.command("gradescope-run", hidden=True)(gradescope_run_command)
    app.command("prairielearn")(prairielearn_command)
    push_app = typer.Typer(help="Send the gradebook's grades to an LMS.", no_args_is_help=True)
    push_app.command("canvas")(canvas_command)
    gradebook_app.add_typer(push_app, name="push")
