"""``manage.py worker``: django-tasks-db's ``db_worker`` that also retries dead workers' tasks.

Takes every option of ``db_worker``. Run this one, not ``db_worker`` itself: without the
sweeper, a render whose worker was killed stays "running" for ever and is never retried
(``decider/exports/worker.py`` explains the rule).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from decider.exports.worker import start_sweeper


class Command(DbWorkerCommand):
    help = (
        "Run the background worker (django-tasks-db's db_worker) and queue again the tasks "
        "of workers that died."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # With --reload the command runs twice: in a watching parent that never runs tasks and
        # in the child that does; only the child sweeps.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            start_sweeper(
                stale_after=timedelta(seconds=settings.TASK_STALE_SECONDS),
                own_worker_id=options["worker_id"],
            )
        super().handle(*args, **options)
