"""Staff workflows: batch grading, LMS intake, the gradebook, course validation, the handout.

These run on the judge's side and never import student code; they hand submissions to
`grader.judge` and record what comes back.
"""
