"""The results model: every output (report, JSON, CSV, exports, gradebook) renders these.

Results are plain, frozen pydantic models. They hold data only; rendering lives in
`grader.outputs.report` and `grader.outputs.exports`, persistence in `grader.staff.gradebook`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Verdict = Literal[
    "passed",  # the judge accepted the answer
    "failed",  # a wrong answer, with feedback
    "error",  # the student's code raised
    "not_attempted",  # the stub's NotImplementedError (or an empty file)
    "timeout",  # a wall-clock or CPU limit was hit
    "memory",  # the memory limit was hit
    "crashed",  # killed by a signal, or exited mid-call
    "invalid",  # the returned data was not of the required form
]
VERDICTS: tuple[Verdict, ...] = (
    "passed",
    "failed",
    "error",
    "not_attempted",
    "timeout",
    "memory",
    "crashed",
    "invalid",
)

Points = Annotated[float, Field(ge=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Frozen):
    """Resource limits for one sandboxed run of one submission on one exercise."""

    import_s: Annotated[
        float, Field(gt=0, description="wall-clock limit on importing the file")
    ] = 10.0
    call_s: Annotated[float, Field(gt=0, description="wall-clock limit on each call or probe")] = (
        5.0
    )
    total_s: Annotated[float, Field(gt=0, description="wall-clock budget for all checks")] = 60.0
    cpu_s: Annotated[int, Field(gt=0, description="CPU seconds for the whole sandbox process")] = 60
    memory_mb: Annotated[
        int,
        Field(gt=0, description="address space per process (CPU runs); the tree's, with cgroups"),
    ] = 4096
    output_kb: Annotated[int, Field(gt=0, description="stdout/stderr kept as feedback")] = 8
    file_mb: Annotated[int, Field(gt=0, description="largest file the sandbox may write")] = 16
    tasks: Annotated[
        int, Field(gt=0, description="processes and threads of the whole sandbox (cgroups)")
    ] = 256
    cpus: Annotated[
        float, Field(gt=0, description="CPU cores the whole sandbox may use at once (cgroups)")
    ] = 1.0


class ExerciseMeta(_Frozen):
    """What `exercises/<id>/exercise.toml` declares about one exercise."""

    id: Annotated[str, Field(pattern=r"^exercise\d+$")]
    title: str
    slides: str = Field(default="", description="where in Lecture 06 the exercise comes from")
    order: int = Field(description="position in the lecture sequence")
    version: str = Field(default="1", description="bump when checks change; forces a regrade")
    functions: tuple[str, ...] = Field(description="names the stub defines and students implement")
    limits: Limits = Limits()
    preload: tuple[str, ...] = Field(
        default=(),
        description="modules torch imports lazily that this exercise's sandboxes use (e.g. "
        "torch._dynamo, on the first optimizer.step()): a one-exercise zygote (grade exerciseN) "
        "imports them before forking; one for many exercises imports them all",
    )


class Diagnosis(_Frozen):
    """A named misconception that explains a wrong gradient, in the student's terms."""

    code: str = Field(description="stable identifier, e.g. 'sign_flipped'")
    title: str
    explanation: str
    slide: str = ""
    evidence: str = Field(default="", description="the smallest input where the mistake shows")


class CheckResult(_Frozen):
    name: str
    title: str = Field(default="", description="the line the student reads (the check's docstring)")
    status: Verdict
    score: Points
    max_score: Points
    hidden: bool = False
    feedback: str = Field(
        default="", description="what the student sees; for a hidden check, its verdict only"
    )
    diagnosis: Diagnosis | None = None
    staff_feedback: str = Field(
        default="",
        description="STAFF ONLY: a hidden check's full feedback (its inputs, the reference's "
        "values, the submission's own messages); never rendered to students",
    )


class Isolation(_Frozen):
    """Which sandbox layers were active for a run; missing ones make the run 'degraded'."""

    engine: Literal["forkserver", "spawn", "none"] = "none"
    layers: dict[str, bool] = Field(default_factory=dict)
    notes: dict[str, str] = Field(default_factory=dict)

    missing: list[str] = Field(default_factory=list, description="derived from layers")
    degraded: bool = Field(default=False, description="derived: some layer is missing")

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, data: Any) -> Any:
        if isinstance(data, dict):
            layers = data.get("layers") or {}
            missing = sorted(name for name, active in layers.items() if not active)
            data = {**data, "missing": missing, "degraded": bool(missing)}
        return data


class ExerciseResult(_Frozen):
    exercise: str
    score: Points
    max_score: Points
    checks: list[CheckResult]
    isolation: Isolation = Isolation()
    device: str = "cpu"
    elapsed_s: float = 0.0
    hidden_pending: int = Field(default=0, description="hidden checks not run here (handout)")
    hidden_pending_points: Points = 0.0
    output: str = Field(default="", description="what the submission printed, capped")
    output_before_hidden: int | None = Field(
        default=None,
        description="how much of `output` was printed before the first hidden check ran (None: "
        "no hidden check ran); students see only that much",
    )

    def for_students(self) -> ExerciseResult:
        """This result without its staff-only detail: what a student's report and `--json` show.

        Staff feedback is dropped, and so is what was printed once hidden checks ran: code under
        a hidden check can print the inputs it was given.
        """
        checks = [c.model_copy(update={"staff_feedback": ""}) for c in self.checks]
        output, cut = self.output, self.output_before_hidden
        if cut is not None and len(output) > cut:
            output = output[:cut] + HIDDEN_OUTPUT
        return self.model_copy(update={"checks": checks, "output": output})


HIDDEN_OUTPUT = "\n[not shown: what the code printed during hidden checks, which can carry inputs]"


class Override(_Frozen):
    """A score staff set by hand for one exercise (`grade gradebook override`)."""

    score: Points
    reason: str = Field(description="why, as staff wrote it (staff exports only)")
    at: str = Field(description="when it was recorded (UTC ISO 8601)")


class ExerciseGrade(_Frozen):
    """One exercise's grade as it counts: the judge's raw score, then the course policy (a late
    penalty, `grader.staff.policy`), then a staff override; every step kept, so that every
    export can show both the raw score and the one that counts."""

    exercise: str
    raw_score: Points = Field(description="what the judge gave (the ExerciseResult's score)")
    score: Points = Field(description="what counts: after the late policy, or the override")
    max_score: Points
    submitted_at: str = Field(default="", description="when the LMS says (UTC ISO); '' unknown")
    late_days: Annotated[int, Field(ge=0)] = 0
    penalty: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.0, description="the fraction of the raw score the late policy took"
    )
    policy: str = Field(default="", description="one line: what the course policy did, and why")
    override: Override | None = None

    @property
    def adjusted(self) -> bool:
        """Whether the score that counts differs from the raw one, or staff set it."""
        return self.override is not None or self.score != self.raw_score

    def describe(self, *, staff: bool = True) -> str:
        """'raw 10; 2 days late: -20%; override 9 (reason)'; '' when nothing was adjusted.
        Students (`staff=False`) are told that staff set the score, not the reason."""
        if not self.adjusted and not self.policy:
            return ""
        parts = [f"raw {_number(self.raw_score)}"]
        if self.policy:
            parts.append(self.policy)
        if self.override is not None:
            why = f" ({self.override.reason})" if staff else ""
            parts.append(f"set to {_number(self.override.score)} by staff{why}")
        return "; ".join(parts)


def _number(value: float) -> str:
    return format(round(value, 4), "g")


class SubmissionResult(_Frozen):
    student: str
    name: str = Field(default="", description="the display name (roster or LMS), if known")
    score: Points = Field(description="the total that counts (after policy and overrides)")
    max_score: Points
    exercises: list[ExerciseResult]
    late: bool = False
    notes: list[str] = Field(default_factory=list)
    raw_score: Points = Field(
        default=0.0, description="the judge's total before policy and overrides (default: score)"
    )
    grades: list[ExerciseGrade] = Field(
        default_factory=list,
        description="per exercise, the raw score and the one that counts (set by the gradebook)",
    )

    @model_validator(mode="before")
    @classmethod
    def _raw_defaults_to_score(cls, data: Any) -> Any:
        if isinstance(data, dict) and "raw_score" not in data and "score" in data:
            data = {**data, "raw_score": data["score"]}
        return data

    def grade(self, exercise: str) -> ExerciseGrade | None:
        """The exercise's grade after policy and overrides; None when the gradebook set none."""
        return next((g for g in self.grades if g.exercise == exercise), None)

    def score_of(self, exercise: str) -> float | None:
        """The score that counts for one exercise; None when there is neither result nor grade."""
        found = self.grade(exercise)
        if found is not None:
            return found.score
        return next((ex.score for ex in self.exercises if ex.exercise == exercise), None)


class BatchRun(_Frozen):
    """What one `grade batch` did: how many (student, exercise) files it graded, found unchanged
    in the gradebook, left to another batch or could not grade, and where the gradebook is."""

    graded: int = 0
    unchanged: int = 0
    busy: int = 0
    not_graded: int = 0
    gradebook: str = ""


class BatchResult(_Frozen):
    submissions: list[SubmissionResult]
    warnings: list[str] = Field(default_factory=list)
    run: BatchRun | None = Field(default=None, description="set by grade batch, not by show")


def total(results: list[ExerciseResult]) -> tuple[float, float]:
    """Sum of scores and of maxima over several exercise results."""
    return sum(r.score for r in results), sum(r.max_score for r in results)


def degraded_isolation(batch: BatchResult) -> str:
    """ "degraded isolation: ..." naming how many runs lacked which layers; "" when none did."""
    runs = [e for s in batch.submissions for e in s.exercises if e.isolation.engine != "none"]
    degraded = [run for run in runs if run.isolation.degraded]
    if not degraded:
        return ""
    missing = sorted({name for run in degraded for name in run.isolation.missing})
    return f"degraded isolation: {len(degraded)} of {len(runs)} runs missing {', '.join(missing)}"
