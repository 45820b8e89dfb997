#!/usr/bin/env bash
# Mutation testing of the code that decides grades and guards the boundary (issue 19).
#
#   pip install mutmut==2.5.1            # 2.x: one --paths-to-mutate and --runner per call
#   benchmarks/mutation.sh               # every module below (about an hour on 2 idle cores)
#   benchmarks/mutation.sh grader/outputs/exports.py   # one module
#
# Each module is mutated with mutmut, and each mutant runs only the test files that cover that
# module (the TESTS table), with -x: the first failing test kills it. mutmut edits the files it
# mutates, so every module runs in a scratch copy of the working tree (git's tracked and
# untracked, not ignored, files), with PYTHONPATH pointing there: the sandboxes' zygote imports
# the mutated copy too. Results land in $MUTATION_OUT (default benchmarks/mutation-out/):
# <module>.results.txt (mutmut results), <module>.survivors.diff (every surviving mutant) and a
# summary line per module in summary.txt (benchmarks/mutation_report.py reads mutmut's cache).
# Do not call `mutmut results` or `mutmut show` in the scratch copy while a run goes on: mutmut
# 2 re-reads the source into its cache and the run then dies on a mutant it no longer finds;
# `python benchmarks/mutation_report.py summary <scratch>/.mutmut-cache MODULE 0` is safe.
# Record the scores in benchmarks/README.md.
#
# Environment: MUTATION_OUT, MUTATION_RESUME (see below), MUTMUT (default: mutmut on PATH),
# PYTHON (default: python3),
# MUTATION_TIME_BASE (seconds a mutant may take beyond 3x the baseline run; default 30),
# MUTATION_TIMEOUT (stop each module after this many seconds; the summary counts what was left),
# MUTATION_SERVER=0 (start a fresh interpreter per mutant instead of benchmarks/mutation_server.py),
# MUTATION_TESTS (pytest arguments run instead of the module's TESTS row: a first pass with only
# the row's fast, zygote-free files; what survives it is then run against the whole row).
#
# Each mutant's pytest is forked from a warm interpreter (benchmarks/mutation_server.py: torch,
# sympy, pytest, pydantic... imported once per module, never grader), not started afresh:
# torch's import and assert_close's first call (it pulls in sympy) were most of a mutant's cost.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${MUTATION_OUT:-${TMPDIR:-/tmp}/grade-mutation-out}
mutmut=${MUTMUT:-mutmut}
python=${PYTHON:-python3}
time_base=${MUTATION_TIME_BASE:-30}
limit=${MUTATION_TIMEOUT:-0}  # seconds per module, 0 for none: a stopped run reports "untested"

# module -> the pytest arguments that cover it. Hypothesis's property tests (hundreds of random
# frames each) are left out: a mutant must be killed by a test that says which input breaks it. Plugins the tests do not use are left out and
# --noconftest is given where they need none of conftest's fixtures (it imports torch): on a
# busy machine that is most of a mutant's cost (1.5 s of CPU instead of 4.2 s for exports).
lean="-p no:hypothesispytest -p no:benchmark -p no:anyio"
# intake and the gradebook: files and result models built in tmp_path, no sandbox or batch (the
# end-to-end tests in test_gradebook.py and test_gradebook_commands.py start real batches: 42 s)
intake_tests="$lean --noconftest tests/test_intake_assignment.py tests/test_intake.py tests/test_intake_single.py tests/test_intake_roster.py tests/test_intake_archives.py tests/test_intake_canvas.py tests/test_intake_moodle.py"
gradebook_tests="$lean --noconftest tests/test_gradebook_api.py tests/test_gradebook_grades.py tests/test_gradebook_maximum.py tests/test_gradebook.py -k 'not sigkill and not two_processes and not gradebook_show'"
declare -A TESTS=(
  [grader/outputs/exports.py]="$lean --noconftest tests/test_exports.py tests/test_exports_gradescope.py tests/test_csv_escaping.py tests/test_gradebook_maximum.py"
  [grader/authoring/expect.py]="$lean --noconftest tests/test_expect.py tests/test_expect_boundaries.py"
  [grader/judge/scoring.py]="$lean tests/test_scoring_verdicts.py tests/test_scoring_submission.py tests/test_scoring_sandboxes.py tests/test_scoring_budget.py tests/test_judge.py tests/test_fail_closed.py::test_the_judge_refuses_to_run_with_assertions_disabled"
  [grader/wire/protocol.py]="$lean --noconftest tests/test_protocol.py tests/test_protocol_limits.py -k 'not never_crashes and not survive_the'"
  [grader/judge/sandbox.py]="$lean tests/test_sandbox_handle.py tests/test_sandbox_peers.py tests/test_scoring_submission.py tests/test_sandbox_process.py tests/test_sandbox_deadlines.py tests/test_sandbox_tempdirs.py tests/test_sandbox.py"
  [grader/wire/frames.py]="$lean --noconftest tests/test_frames.py"
  [grader/jail/layers/seccomp.py]="$lean --noconftest tests/test_seccomp_filter.py tests/test_isolation_seccomp_mask.py tests/test_isolation.py"
  [grader/jail/layers/namespaces.py]="$lean --noconftest tests/test_namespaces_layers.py tests/test_isolation.py"
  [grader/staff/intake/names.py]="$intake_tests"
  [grader/staff/intake/choice.py]="$intake_tests"
  [grader/staff/intake/reader.py]="$intake_tests"
  [grader/staff/intake/roster.py]="$intake_tests"
  [grader/staff/intake/archives.py]="$intake_tests"
  [grader/staff/intake/blobs.py]="$lean --noconftest tests/test_intake_blobs.py ${intake_tests#"$lean --noconftest "} tests/test_intake_archive_limits.py"
  [grader/staff/intake/records.py]="$lean --noconftest tests/test_intake_records.py ${intake_tests#"$lean --noconftest "}"
  [grader/staff/intake/canvas.py]="$intake_tests"
  [grader/staff/intake/moodle.py]="$intake_tests"
  [grader/staff/intake/model.py]="$intake_tests"
  [grader/staff/intake/__init__.py]="$lean --noconftest tests/test_intake_errors.py ${intake_tests#"$lean --noconftest "}"
  [grader/staff/gradebook.py]="$gradebook_tests"
  [grader/staff/gradebook_schema.py]="$gradebook_tests"
  [grader/staff/gradebook_attempts.py]="$gradebook_tests"
  [grader/staff/gradebook_claims.py]="$gradebook_tests"
  [grader/staff/gradebook_grades.py]="$gradebook_tests"
  [grader/staff/validate.py]="$lean tests/test_validate_decisions.py tests/test_validate_stubs.py tests/test_validate.py"
)
ORDER=(
  grader/outputs/exports.py grader/authoring/expect.py
  grader/staff/intake/names.py grader/staff/intake/choice.py grader/staff/intake/reader.py
  grader/staff/intake/roster.py grader/staff/intake/archives.py
  grader/staff/gradebook_attempts.py grader/staff/gradebook_grades.py
  grader/staff/gradebook_claims.py grader/staff/gradebook.py grader/staff/gradebook_schema.py
  grader/staff/intake/blobs.py grader/staff/intake/records.py grader/staff/intake/canvas.py
  grader/staff/intake/moodle.py grader/staff/intake/model.py grader/staff/intake/__init__.py
  grader/wire/protocol.py grader/staff/validate.py
  grader/wire/frames.py grader/judge/scoring.py grader/judge/sandbox.py
  grader/jail/layers/seccomp.py grader/jail/layers/namespaces.py
)

command -v "$mutmut" >/dev/null || { echo "mutmut not found: pip install mutmut==2.5.1" >&2; exit 2; }
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=("${ORDER[@]}")
mkdir -p "$out"

for module in "${modules[@]}"; do
  tests=${MUTATION_TESTS:-${TESTS[$module]:-}}
  [ -n "$tests" ] || { echo "no tests listed for $module (see TESTS)" >&2; exit 2; }
  name=$(echo "$module" | tr '/' '.')
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/grade-mutation-XXXXXX")
  (cd "$root" && git ls-files -z --cached --others --exclude-standard \
     | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$scratch"
  started=$(date +%s)
  # MUTATION_RESUME=1: start from the last run's cache; its killed mutants stay killed and only
  # the others are run again (mutmut starts afresh by itself where the module changed)
  if [ "${MUTATION_RESUME:-0}" = 1 ] && [ -f "$out/$name.mutmut-cache" ]; then
    cp "$out/$name.mutmut-cache" "$scratch/.mutmut-cache"
  fi
  (
    cd "$scratch"
    export PYTHONPATH=$scratch
    # never plain `python -m pytest`: mutmut 2 takes only exit status 1 as killed (see the server)
    runner="$python benchmarks/mutation_server.py plain --"
    if [ "${MUTATION_SERVER:-1}" != 0 ]; then
      sock=$scratch/.mutation.sock  # bound only once the preloading is done
      "$python" benchmarks/mutation_server.py serve "$sock" grader.cli grader.judge.sandbox \
        grader.staff.batch > "$out/$name.server.log" 2>&1 &
      server=$!
      trap 'kill "$server" 2>/dev/null || true' EXIT
      for _ in $(seq 600); do [ -S "$sock" ] || ! kill -0 "$server" 2>/dev/null && break; sleep 0.5; done
      runner="$python benchmarks/mutation_server.py run $sock --"  # no server: plain pytest
    fi
    # exit status is a bit mask of what survived or timed out: read from the results instead
    timeout "$limit" "$mutmut" run --paths-to-mutate "$module" --tests-dir tests --simple-output --no-progress \
      --test-time-multiplier 3 --test-time-base "$time_base" \
      --runner "$runner -x -q -p no:cacheprovider $tests" || true
    [ ! -f "$module.bak" ] || mv "$module.bak" "$module"  # a run stopped mid-mutant
    cp .mutmut-cache "$out/$name.mutmut-cache"
    "$mutmut" results > "$out/$name.results.txt" || true
    : > "$out/$name.survivors.diff"
    for id in $("$python" "$root/benchmarks/mutation_report.py" survivors .mutmut-cache); do
      "$mutmut" show "$id" >> "$out/$name.survivors.diff" || true
    done
    "$python" "$root/benchmarks/mutation_report.py" summary .mutmut-cache "$module" \
      "$(( $(date +%s) - started ))" | tee -a "$out/summary.txt"
  )
  rm -rf "$scratch"
done
