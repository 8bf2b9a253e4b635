"""Retrying the background work of a worker that died.

django-tasks-db marks a task running when a worker claims it and finished when it returns. A
worker killed in between (SIGKILL, out of memory, a lost machine, a deploy that did not wait)
leaves its task marked running for ever, and nothing ever runs it again (django-tasks issue
#46). A worker cannot tell a dead peer from a slow one, so the rule is time, as in most queues:
a task running for longer than ``TASK_STALE_SECONDS`` has lost its worker and is queued again.

That is safe because the render task is idempotent: it renders the assessment's current state
to a file named by a hash of its content, written to a temporary file and renamed, so a second
run of a task whose first run is in fact still going writes the same bytes under the same
name. A task whose worker died ``MAX_ATTEMPTS`` times (a document that exhausts memory, say)
is marked failed instead of taking workers down for ever; its PDF still renders on demand.

``manage.py worker`` runs ``sweep`` when it starts and then every minute (or every
``TASK_STALE_SECONDS``, if shorter), in a thread beside django-tasks-db's worker loop. The same
thread prunes, when it starts and then hourly: finished task results older than
``TASK_RESULTS_DAYS`` and cached PDFs older than ``PDF_CACHE_DAYS``, which would otherwise grow
without end. Several workers pruning at once is harmless: each deletion is of what is already
unwanted.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from . import cache

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
SWEEP_EVERY_SECONDS = 60
PRUNE_EVERY_SECONDS = 3600


class WorkerLost(Exception):
    """Recorded as the error of a task whose workers died ``MAX_ATTEMPTS`` times."""


@dataclass(frozen=True)
class Sweep:
    requeued: int = 0
    failed: int = 0
    parts_removed: int = 0


def requeue_stale_tasks(*, stale_after: timedelta, own_worker_id: str = "") -> Sweep:
    """Queue again (or, after ``MAX_ATTEMPTS``, fail) tasks running longer than ``stale_after``.

    ``own_worker_id`` is the calling worker's id: a task it is running is alive, however long it
    takes. Each change is conditional on the row being as it was read, so two workers sweeping
    at once, or a task finishing meanwhile, never lose an update.
    """
    now = timezone.now()
    requeued = failed = 0
    stale = DBTaskResult.objects.running().filter(started_at__lt=now - stale_after)
    for task in stale:
        if task.worker_ids and task.worker_ids[-1] == own_worker_id:
            continue
        unchanged = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        attempts = len(task.worker_ids)
        if attempts >= MAX_ATTEMPTS:
            message = f"its worker died during each of {attempts} attempts"
            failed += unchanged.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"{WorkerLost.__qualname__}: {message}\n",
            )
            logger.error("task %s (%s) failed: %s", task.pk, task.task_path, message)
        else:
            requeued += unchanged.update(status=TaskResultStatus.READY)
            logger.warning(
                "task %s (%s) queued again: running since %s, its worker is presumed dead",
                task.pk,
                task.task_path,
                task.started_at.isoformat() if task.started_at else "?",
            )
    return Sweep(requeued=requeued, failed=failed)


def sweep(*, stale_after: timedelta, own_worker_id: str = "") -> Sweep:
    """Requeue the tasks of dead workers and remove the temporary files they left."""
    tasks = requeue_stale_tasks(stale_after=stale_after, own_worker_id=own_worker_id)
    parts = cache.remove_abandoned_parts(older_than=stale_after)
    if parts:
        logger.warning("removed %s temporary PDF file(s) left by a dead process", parts)
    return Sweep(requeued=tasks.requeued, failed=tasks.failed, parts_removed=parts)


@dataclass(frozen=True)
class Pruned:
    task_results: int = 0
    pdfs: int = 0


def prune(*, results_older_than: timedelta, pdfs_older_than: timedelta) -> Pruned:
    """Delete finished task results and cached PDFs older than these ages."""
    cutoff = timezone.now() - results_older_than
    results, _by_model = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    pdfs = cache.remove_old_pdfs(older_than=pdfs_older_than)
    if results or pdfs:
        logger.info("pruned %s finished task result(s) and %s cached PDF(s)", results, pdfs)
    return Pruned(task_results=results, pdfs=pdfs)


def start_sweeper(*, stale_after: timedelta, own_worker_id: str) -> threading.Thread:
    """Sweep now and then periodically, in a daemon thread that dies with the worker; prune
    now and then hourly."""
    every = min(SWEEP_EVERY_SECONDS, stale_after.total_seconds())
    stop = threading.Event()

    def loop() -> None:
        pruned_at = float("-inf")
        while not stop.is_set():
            try:
                sweep(stale_after=stale_after, own_worker_id=own_worker_id)
                if time.monotonic() - pruned_at >= PRUNE_EVERY_SECONDS:
                    prune(
                        results_older_than=timedelta(days=settings.TASK_RESULTS_DAYS),
                        pdfs_older_than=timedelta(days=settings.PDF_CACHE_DAYS),
                    )
                    pruned_at = time.monotonic()
            except Exception:
                # A locked SQLite file or a database restart: try again next time.
                logger.exception("sweeping stale tasks failed")
            finally:
                connection.close()  # this thread's own; hand it back between sweeps
            stop.wait(every)

    thread = threading.Thread(target=loop, name="stale-task-sweeper", daemon=True)
    thread.start()
    return thread
