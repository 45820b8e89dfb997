"""The student's loop, judge-side: which file to grade, `grader.check()` in Jupyter, watch mode.

Everything here runs in the trusted judge; the submission still runs only in a sandbox.
"""
