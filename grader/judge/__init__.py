"""The trusted side: decides grades from plain data and never imports a submission.

`registry` finds exercises and loads their checks; `sandbox` starts sandboxed processes and
talks to them over `grader.wire`; `scoring` runs an exercise's checks against one submission
and maps every way a check can end to a verdict.
"""
