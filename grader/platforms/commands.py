"""The platform commands of `grade`: build a Gradescope autograder, run inside Gradescope and
PrairieLearn, push grades to Canvas. `grader.cli` registers them with `register(app)`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.judge.registry import Registry, RegistryError, find_root
from grader.outputs import console as out
from grader.platforms import gradescope, prairielearn


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
    results = prairielearn.run_external_grader(root, course, list(exercise or []))
    out.make_console().print(
        f"gradable {results['gradable']}, score {results['score']}", markup=False
    )


def register(app: typer.Typer) -> None:
    app.command("gradescope")(gradescope_command)
    app.command("gradescope-run", hidden=True)(gradescope_run_command)
    app.command("prairielearn")(prairielearn_command)
