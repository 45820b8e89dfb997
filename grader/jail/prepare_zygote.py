"""Imported last by the forkserver zygote (`grader.judge.sandbox.PRELOAD`): prepares
it for cheap forks.

Importing it runs `grader.jail.serve.preseal()` (what every sandbox would make before its
first request, made once) and then `grader.jail.zygote.prepare()` (which freezes the heap,
those copies included) in the importing process; nothing else imports it.
"""

from grader.jail.serve import preseal
from grader.jail.zygote import prepare

preseal()
prepare()
