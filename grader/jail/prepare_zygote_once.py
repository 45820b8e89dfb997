"""Imported last by the zygote of one student run (`grader.student.engine.student_engine`),
in place of `grader.jail.prepare_zygote`: prepares it for the few forks of a single run.

Importing it runs `grader.jail.zygote.prepare(many_forks=False)` in the importing process;
nothing else imports it.
"""

from grader.jail.zygote import prepare

prepare(many_forks=False)
