"""Where courses already grade: Gradescope's autograder, PrairieLearn's external grader, and
grades pushed back to Canvas.

Each platform module turns one upload into the same `ExerciseResult`s a `grade` run makes (one
sandbox, the same judge and limits) and writes them in the platform's own format; what students
see is the redacted feedback of the results model, as everywhere else.
"""
