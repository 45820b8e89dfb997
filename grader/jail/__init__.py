"""Everything in this package runs inside the sandbox, next to student code.

`serve` locks the process down (`layers`: one module per isolation layer, and the cgroup that
the judge made for it), imports the submission and answers the judge's requests; `zygote` and
`prepare_zygote` make the torch-preloaded process sandboxes fork from; `probing` holds helpers
that exercises' probes use. Nothing here decides a grade, and nothing here imports the judge
side (`grader.judge`, `grader.authoring`), staff tools (`grader.staff`) or outputs
(`grader.outputs`): it speaks to the judge only through `grader.wire`.
"""
