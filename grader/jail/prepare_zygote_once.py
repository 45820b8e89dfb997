"""Imported last by the zygote of one student run (`grader.student.engine.student_engine`),
in place of `grader.jail.prepare_zygote`: prepares it for the few forks of a single run.

Importing it runs `grader.jail.serve.preseal()` (what every sandbox would make before its
first request, made once, as for a batch's zygote) and then
`grader.jail.zygote.prepare(many_forks=False)` in the importing process; nothing else imports
it.
"""

from grader.jail.serve import preseal
from grader.jail.zygote import prepare

preseal()
prepare(many_forks=False)
