"""The `grade` command line: one function per command, the docstring as its help.

    grade exercise2 [--file F] [--watch] [--json]   grade one exercise for a student
    grade batch DIR [--json]                grade a folder of students (teaching assistants)
    grade validate [IDS...]                 prove references, stubs and mutants behave (CI)
    grade list                              the exercises, in lecture order

Exit codes: 0 whenever grading ran, whatever the score; 1 when `validate` finds a violation;
2 for usage errors (unknown exercise, missing file, no CUDA), with a one-line message.
"""

from __future__ import annotations

import atexit
import difflib
import functools
import inspect
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn

import typer
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from grader.judge.registry import Exercise, Registry, RegistryError, find_root
from grader.judge.sandbox import Engine, EngineError, EngineMode, stop_zygote
from grader.outputs import console as out
from grader.outputs.formats import EXPORTS, Course
from grader.outputs.formats import write_exports as write_formats
from grader.outputs.models import BatchResult
from grader.outputs.report import batch_summary, overrides_table, verdict_text
from grader.platforms.commands import register as register_platforms

if TYPE_CHECKING:
    from grader.staff.validate import Finding

# Importing this module does not import torch: `grade exerciseN` starts the zygote (whose first
# job is a torch import) before the judge imports torch for the checks, so that the two imports
# overlap (tests/test_cold_start.py). Modules that import torch are imported by the commands.

if TYPE_CHECKING:
    from grader.staff.policy import CoursePolicy

DeviceChoice = Literal["auto", "cpu", "cuda"]


class ExerciseGroup(TyperGroup):
    """Treat `grade exercise2 ...` as `grade check exercise2 ...`.

    A first word that is no command is an exercise id (the check command suggests the closest
    ids when it is unknown), unless it is a near-miss of a command (`grade bacth`). Flags are
    shown without a `<bool>` placeholder.
    """

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            commands = [name for name, cmd in self.commands.items() if not cmd.hidden]
            close = difflib.get_close_matches(args[0], commands, n=1, cutoff=0.75)
            if close and not args[0].startswith("ex"):
                ctx.fail(f"no such command {args[0]!r}; did you mean {close[0]!r}?")
            args = ["check", *args]
        return super().resolve_command(ctx, args)

    def get_params(self, ctx: Any) -> list[Any]:
        return plain_flags(super().get_params(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None and not isinstance(command, ExerciseGroup):
            plain_flags([*command.params, command.get_help_option(ctx)])
        return command


def plain_flags(params: list[Any]) -> list[Any]:
    """Boolean flags take no value: an empty metavar instead of typer's `<bool>`."""
    for param in params:
        if param is not None and getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


app = typer.Typer(
    cls=ExerciseGroup,
    no_args_is_help=True,
    add_completion=False,
    subcommand_metavar="EXERCISE [--file F] [--watch] | COMMAND [ARGS]...",
    help=(
        "Grade PyTorch autograd exercises in a sandbox and explain the mistakes.\n\n"
        "Grade an exercise: grade EXERCISE, for example [bold]grade exercise2[/] (your "
        "exercises/exercise2/exercise2.py or .ipynb), [bold]grade exercise2 --file my.ipynb[/], "
        "[bold]grade exercise2 --watch[/] (again on every save). In Jupyter: "
        "import grader; grader.check('exercise2'). [bold]grade list[/] shows the exercises."
    ),
    rich_markup_mode="rich",
)

RootOption = Annotated[
    Path | None,
    typer.Option("--root", help="Course folder (default: found from the current folder)."),
]
DeviceOption = Annotated[str, typer.Option("--device", help="auto, cpu or cuda: where checks run.")]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine", help="forkserver (fast, default) or spawn (a fresh interpreter per run)."
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the results model as JSON instead of the report.")
]
AllowDegradedOption = Annotated[
    bool,
    typer.Option(
        "--allow-degraded",
        help="Grade even with an isolation layer missing (every result then says which).",
    ),
]


ExportPaths = dict[str, Path]  # export name -> where to write it (see export_options)


def export_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give `command` a `--<name> PATH` option for every export in grader.outputs.formats
    .EXPORTS, in place of its `exports` parameter, which receives the paths given, by name."""
    signature = inspect.signature(command, eval_str=True)
    names = {export.name.replace("-", "_"): export.name for export in EXPORTS}
    clash = set(names) & set(signature.parameters)
    if clash or "exports" not in signature.parameters:
        raise TypeError(f"{command.__name__}: cannot add export options {sorted(clash)}")
    options = [
        inspect.Parameter(
            param,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[Path | None, typer.Option(f"--{export.name}", help=export.help)],
        )
        for param, export in zip(names, EXPORTS, strict=True)
    ]
    params = []
    for param in signature.parameters.values():
        params += options if param.name == "exports" else [param.replace(kind=param.KEYWORD_ONLY)]

    @functools.wraps(command)
    def with_exports(**kwargs: Any) -> None:
        given = {names[p]: kwargs.pop(p) for p in names if kwargs.get(p) is not None}
        for param in names:
            kwargs.pop(param, None)
        command(**kwargs, exports=given)

    with_exports.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    with_exports.__annotations__ = {p.name: p.annotation for p in params}
    return with_exports


def usage_error(message: str) -> typer.Exit:
    out.error_line(message)
    return typer.Exit(2)


def load_registry(root: Path | None) -> Registry:
    try:
        return Registry(root) if root is not None else Registry(find_root(Path.cwd()))
    except RegistryError as exc:
        raise usage_error(str(exc)) from None


def resolve_device(device: str) -> str:
    """`auto` picks CUDA when present; asking for CUDA without it is a usage error."""
    if device not in ("auto", "cpu", "cuda") and not device.startswith("cuda:"):
        raise usage_error(f"--device must be auto, cpu or cuda, not {device!r}")
    if device == "cpu":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda" if device == "auto" else device
    if device == "auto":
        return "cpu"
    raise usage_error("--device cuda was asked for, but this machine has no CUDA device")


def resolve_engine(engine: str) -> EngineMode:
    if engine not in ("forkserver", "spawn"):
        raise usage_error(f"--engine must be forkserver or spawn, not {engine!r}")
    return "forkserver" if engine == "forkserver" else "spawn"


@app.command("check", hidden=True)
def check_command(
    exercise_id: Annotated[str, typer.Argument(metavar="EXERCISE", help="e.g. exercise2")],
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help="Grade this .py or .ipynb instead of exercises/<id>/<id>.py (or .ipynb).",
        ),
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Grade again on every save; Ctrl-C ends.")
    ] = False,
    json: JsonOption = False,
    staff: Annotated[
        bool,
        typer.Option("--staff", help="With --json: keep hidden checks' staff-only feedback."),
    ] = False,
    device: DeviceOption = "auto",
    engine: EngineOption = "forkserver",
    root: RootOption = None,
) -> None:
    """Grade one exercise: every check, what went wrong and why, and the total."""
    from grader.student.engine import student_engine
    from grader.student.source import SourceError, choose_file

    registry = load_registry(root)
    exercise = find_exercise(registry, exercise_id)
    if watch and json:
        raise usage_error("--watch redraws the report; it cannot be combined with --json")
    try:  # a wrong path is one line, before anything starts
        path, why = choose_file(exercise, file)
    except SourceError as exc:
        raise usage_error(str(exc)) from None
    engine_ = student_engine(resolve_engine(engine), exercise, many_runs=watch)
    engine_.start()  # first: the zygote imports torch while this process imports it too
    if watch:
        from grader.student.watch import watch_exercise

        watch_exercise(engine_, exercise, file, resolve_device(device), out.make_console())
        return
    grade_file(engine_, exercise, path, why, resolve_device(device), json=json, staff=staff)


def grade_file(
    engine: Engine,
    exercise: Exercise,
    path: Path,
    why: str,
    device: str,
    *,
    json: bool,
    staff: bool,
) -> None:
    """Grade `path` with a started engine and print the report (or the JSON)."""
    from grader.judge.scoring import judge_threads
    from grader.student.session import grade, report
    from grader.student.source import SourceError, read_source

    try:
        student = read_source(path, why)
    except SourceError as exc:
        raise usage_error(str(exc)) from None
    judge_threads()
    result = grade(engine, exercise, student, device)
    if json:
        out.emit_json(result if staff else result.for_students())
    else:
        out.make_console().print(report(exercise, student, result))


def find_exercise(registry: Registry, exercise_id: str) -> Exercise:
    """The exercise, or a usage error naming the closest ids."""
    ids = registry.ids()
    if exercise_id not in ids:
        guess = f"exercise{exercise_id}" if exercise_id.isdigit() else exercise_id.lower()
        close = difflib.get_close_matches(guess, ids, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise usage_error(f"unknown exercise {exercise_id!r}{hint} (grade list shows them all)")
    return registry.get(exercise_id)


@app.command("list")
def list_command(root: RootOption = None) -> None:
    """List the exercises in lecture order, with titles and points (public + hidden)."""
    registry = load_registry(root)
    table = Table(title="Lecture 06 exercises")
    for column in ("id", "title", "points", "public", "hidden"):
        table.add_column(column, justify="left" if column in ("id", "title") else "right")
    for exercise in registry.exercises():
        public = exercise.max_score(include_hidden=False)
        hidden = exercise.hidden_summary
        hidden_points = hidden.points if hidden else 0.0
        table.add_row(
            exercise.id,
            exercise.meta.title,
            f"{public + hidden_points:g}",
            f"{public:g}",
            f"{hidden_points:g}" if hidden else "-",
        )
    out.make_console().print(table)


@app.command("validate")
def validate_command(
    exercise_ids: Annotated[
        list[str] | None, typer.Argument(metavar="[EXERCISE]...", help="Default: all.")
    ] = None,
    device: DeviceOption = "cpu",
    engine: EngineOption = "forkserver",
    root: RootOption = None,
    allow_degraded: AllowDegradedOption = False,
) -> None:
    """Check every reference earns full marks, every stub zero, every mutant is caught."""
    from grader.judge.scoring import judge_threads
    from grader.staff.validate import validate_exercise

    registry = load_registry(root)
    try:
        exercises = (
            [registry.get(i) for i in exercise_ids] if exercise_ids else registry.exercises()
        )
    except RegistryError as exc:
        raise usage_error(str(exc)) from None
    engine_ = Engine(resolve_engine(engine))
    device_ = resolve_device(device)
    refuse_degraded(allow_degraded)
    judge_threads()
    console = out.make_console()
    findings: list[Finding] = []
    for exercise in exercises:
        findings += validate_exercise(
            engine_, exercise, device_, on_result=lambda f: _print_finding(console, f)
        )
    failures = [f for f in findings if not f.ok]
    console.print(f"[bold]{len(findings) - len(failures)} of {len(findings)} validations passed[/]")
    if failures:
        raise typer.Exit(1)


def _print_finding(console: Any, finding: Finding) -> None:
    mark = "[green]✔[/]" if finding.ok else "[red]✘[/]"
    name = Path(finding.path).name
    console.print(
        f"{mark} {finding.exercise} {finding.role:<11} {name:<28} "
        f"{finding.score:g}/{finding.max_score:g}  {finding.detail}",
        highlight=False,
    )


FolderArgument = Annotated[
    Path,
    typer.Argument(
        help="Submissions: a sub-folder per student, Canvas/Moodle downloads, zips, notebooks."
    ),
]
ExerciseOption = Annotated[
    str | None,
    typer.Option(
        "--exercise",
        help="A download of one assignment: each student's .py or notebook, whatever its "
        "name, is this exercise (several: the newest upload, with a warning).",
    ),
]
WorkersOption = Annotated[
    int, typer.Option("--workers", "-j", help="Parallel judges (default: all cores).")
]
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Gradebook file (default: FOLDER.gradebook.sqlite beside FOLDER)."),
]
RosterOption = Annotated[
    Path | None, typer.Option("--roster", help="CSV of students (id,name): missing ones get zero.")
]
SourceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        metavar="ID=KIND",
        help="When several sources feed one id: grade ID from folder, zip, canvas or moodle.",
    ),
]
RegradeOption = Annotated[
    bool, typer.Option("--regrade", help="Grade everything again, changed or not.")
]
CallTimeoutOption = Annotated[
    float | None,
    typer.Option("--call-timeout", min=0.1, help="Seconds per call (overrides every exercise's)."),
]
TotalTimeoutOption = Annotated[
    float | None,
    typer.Option("--total-timeout", min=0.1, help="Seconds per (student, exercise) in all."),
]
ImportTimeoutOption = Annotated[
    float | None,
    typer.Option("--import-timeout", min=0.1, help="Seconds to import a submission."),
]
CpuSecondsOption = Annotated[
    int | None, typer.Option("--cpu-seconds", min=1, help="CPU seconds per sandbox.")
]
MemoryOption = Annotated[
    int | None, typer.Option("--memory-mb", min=64, help="Memory per sandbox (CPU runs).")
]
GpuConcurrencyOption = Annotated[
    int, typer.Option("--gpu-concurrency", min=1, help="Sandboxes sharing one GPU at a time.")
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Run on Dask: tcp://HOST:PORT (a running cluster) or local:N (N workers here).",
    ),
]


@app.command("batch")
@export_options
def batch_command(
    folder: FolderArgument,
    json: JsonOption = False,
    exercise: ExerciseOption = None,
    workers: WorkersOption = 0,
    db: DbOption = None,
    roster: RosterOption = None,
    source: SourceOption = None,
    regrade: RegradeOption = False,
    exports: ExportPaths | None = None,
    device: DeviceOption = "auto",
    call_timeout: CallTimeoutOption = None,
    total_timeout: TotalTimeoutOption = None,
    import_timeout: ImportTimeoutOption = None,
    cpu_seconds: CpuSecondsOption = None,
    memory_mb: MemoryOption = None,
    gpu_concurrency: GpuConcurrencyOption = 1,
    engine: EngineOption = "forkserver",
    root: RootOption = None,
    allow_degraded: AllowDegradedOption = False,
    scheduler: SchedulerOption = None,
) -> None:
    """Grade every student's exercises in parallel into the gradebook, then print the table."""
    from grader.staff.jobs import LimitOverrides
    from grader.staff.options import BatchOptions, BatchUsageError, run_batch

    registry = load_registry(root)
    limits = LimitOverrides(import_timeout, call_timeout, total_timeout, cpu_seconds, memory_mb)
    options = BatchOptions(
        folder, db=db, roster=roster, sources=tuple(source or ()), exercise=exercise,
        regrade=regrade, workers=workers, device=resolve_device(device),
        engine=resolve_engine(engine), gpu_concurrency=gpu_concurrency, scheduler=scheduler,
        overrides=limits,
    )  # fmt: skip
    try:
        options.check(registry)
        refuse_degraded(allow_degraded)
        with out.progress_bar(enabled=not json) as progress:
            batch = run_batch(registry, options, progress)
    except BatchUsageError as exc:
        raise usage_error(str(exc)) from None
    write_exports(batch, registry, exports or {})
    if json:
        out.emit_json(batch)
    else:
        out.make_console().print(batch_summary(batch, registry.ids()))


def write_exports(batch: BatchResult, registry: Registry, exports: ExportPaths) -> None:
    """Every export is a rendering of the same BatchResult (grader.outputs.formats)."""
    titles = {exercise.id: exercise.meta.title for exercise in registry.exercises()}
    write_formats(batch, Course(registry.ids(), titles), exports)


@app.command("release")
def release_command(
    out_dir: Annotated[
        Path, typer.Argument(metavar="OUT", help="An empty or new folder for the handout.")
    ],
    root: RootOption = None,
) -> None:
    """Write the student handout: grader, stubs, READMEs, public checks; no staff material."""
    from grader.staff.release import ReleaseError, write_handout

    registry = load_registry(root)
    try:
        files = write_handout(registry, out_dir)
    except ReleaseError as exc:
        raise usage_error(str(exc)) from None
    out.make_console().print(f"wrote {len(files)} files to {out_dir}")


@app.command("doctor")
def doctor_command() -> None:
    """Show which isolation layers work on this machine and what a missing one means."""
    from grader.judge.doctor import examine, missing_layers, verdict

    table = Table(title="Sandbox isolation layers on this machine")
    for column in ("layer", "works", "notes"):
        table.add_column(column)
    lines = examine()
    for line in lines:
        works = {True: "[green]yes[/]", False: "[red]no[/]", None: "[dim]n/a[/]"}[line.works]
        table.add_row(line.name, works, line.note)
    console = out.make_console()
    console.print(table)
    style = "yellow" if missing_layers(lines) else "green"
    console.print(f"[{style}]{verdict(lines)}[/]", highlight=False)


def refuse_degraded(allow_degraded: bool) -> None:
    """Staff commands fail closed: with an isolation layer missing they do not start."""
    from grader.judge.doctor import refusal

    why = refusal()
    if why is None:
        return
    if not allow_degraded:
        raise usage_error(why)
    out.error_line(f"grading with degraded isolation (--allow-degraded): {why.split(';')[0]}")


gradebook_app = typer.Typer(help="Read the gradebook without grading again.", no_args_is_help=True)
app.add_typer(gradebook_app, name="gradebook")


def load_policy(registry: Registry) -> CoursePolicy:
    """The course's `course.toml` (beside exercises/); a bad one is one line, exit 2."""
    from grader.staff.policy import CourseError, course_file, load_course

    try:
        return load_course(course_file(registry.root), registry.ids())
    except CourseError as exc:
        raise usage_error(str(exc)) from None


def open_gradebook(db: Path, course: CoursePolicy | None = None) -> BatchResult:
    """The gradebook's current grades under the course policy; a file that is not a gradebook
    is one line, untouched."""
    from grader.staff.gradebook import Gradebook, GradebookError

    try:
        with Gradebook(existing_gradebook(db)) as book:
            return book.latest(course)
    except (GradebookError, sqlite3.Error) as exc:
        raise usage_error(f"{db}: {exc}") from None


def existing_gradebook(db: Path) -> Path:
    """`db`, when it is a gradebook; otherwise a one-line usage error (the file untouched)."""
    from grader.staff.gradebook import is_gradebook

    if not db.is_file():
        raise usage_error(f"no such gradebook: {db}")
    if not is_gradebook(db):
        raise usage_error(f"{db} is not a grade gradebook (made by grade batch)")
    return db


@gradebook_app.command("show")
def gradebook_show(
    db: Annotated[Path, typer.Argument(help="The gradebook file.")] = Path("gradebook.sqlite"),
    json: JsonOption = False,
    root: RootOption = None,
) -> None:
    """Print the current grades stored in a gradebook (after course policy), then overrides."""
    registry = load_registry(root)
    batch = open_gradebook(db, load_policy(registry))
    if json:
        out.emit_json(batch)
        return
    console = out.make_console()
    console.print(batch_summary(batch, registry.ids()))
    listed = overrides_table(batch)
    if listed is not None:
        console.print(listed)


@gradebook_app.command("export")
@export_options
def gradebook_export(
    db: Annotated[Path, typer.Argument(help="The gradebook file.")] = Path("gradebook.sqlite"),
    exports: ExportPaths | None = None,
    root: RootOption = None,
) -> None:
    """Write exports from a gradebook without grading again (after course policy)."""
    from grader.staff.gradebook import RUNNING_NOTICE

    if not exports:
        options = ", ".join(f"--{export.name}" for export in EXPORTS)
        raise usage_error(f"name at least one export: {options}")
    registry = load_registry(root)
    batch = open_gradebook(db, load_policy(registry))
    for warning in batch.warnings:
        if warning.startswith(RUNNING_NOTICE):
            out.make_console(stderr=True).print(f"warning: {warning}", markup=False)
    write_exports(batch, registry, exports)


@gradebook_app.command("override")
def gradebook_override(
    student: Annotated[str, typer.Argument(help="The student id, as the gradebook has it.")],
    exercise: Annotated[str, typer.Argument(help="The exercise id, e.g. exercise2.")],
    score: Annotated[float, typer.Option("--score", help="The score that counts from now on.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the time; staff only).")],
    db: Annotated[Path, typer.Option("--db", help="The gradebook file.")] = Path(
        "gradebook.sqlite"
    ),
) -> None:
    """Set one student's score for one exercise by hand; a regrade never erases it."""
    from grader.staff.gradebook import Gradebook, GradebookError

    try:
        with Gradebook(existing_gradebook(db)) as book:
            done = book.override(student, exercise, score, reason)
    except (GradebookError, sqlite3.Error) as exc:
        raise usage_error(str(exc)) from None
    line = Text(f"override recorded at {done.override.at}: ")
    line.append_text(
        out.untrusted(f"{done.student} {done.exercise} = {score:g} ({done.override.reason})")
    )
    out.make_console().print(line)


register_platforms(app, gradebook_app)


def main() -> None:
    """Console-script entry point."""
    code: object = 0
    try:
        app()
    except SystemExit as exc:
        code = exc.code
    except EngineError as exc:
        out.error_line(f"the grading engine cannot run here: {exc}")
        code = 1
    except KeyboardInterrupt:
        out.error_line("interrupted")
        code = 130
    finally:
        stop_zygote()  # nothing of this command is left running once it returns
    exit_now(code)


def exit_now(code: object) -> NoReturn:
    """End the process as `sys.exit(code)` would, without tearing the interpreter down.

    With torch loaded, freeing every module and object at exit takes 0.4 s or more of a cold
    `grade exerciseN` that has nothing left to do. What exiting must still do is done first:
    the atexit handlers (temporary folders' finalizers, logging, multiprocessing's) and the
    flush of standard output and error. Everything this command wrote to a file or a gradebook
    was closed and committed where it was written.
    """
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message goes to standard error, the status is 1
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said there
            pass
    os._exit(status & 0xFF)  # as the C library keeps an exit status: sys.exit(-1) is 255


__all__ = ["app", "main", "verdict_text"]


if __name__ == "__main__":
    main()
