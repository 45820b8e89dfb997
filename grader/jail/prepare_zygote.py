"""Imported last by the forkserver zygote (`grader.judge.sandbox.PRELOAD`): prepares
it for cheap forks.

Importing it runs `grader.jail.zygote.prepare()` in the importing process; nothing else imports it.
"""

from grader.jail.zygote import prepare

prepare()
