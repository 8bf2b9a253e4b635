"""Background work for exports: render an assessment's PDFs after a save, so that the
download is a cache hit. A worker (``manage.py worker``) runs these; without one, the
download renders on demand and nothing is lost. A render may run twice (a worker presumed dead
is retried, ``worker.py``): it writes the same bytes under the same content-hashed name.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.tasks import task

from decider.assessments.models import Assessment

from . import cache, pdf

logger = logging.getLogger(__name__)


@task()
def render_pdf_task(assessment_id: str, paper: str, saved_at: str = "") -> None:
    found = Assessment.objects.select_related("team", "author").filter(id=assessment_id).first()
    if found is None:
        return  # deleted since the save: nothing to render
    if saved_at and found.updated_at.isoformat() != saved_at:
        return  # saved again since: that later save's own task renders the newer state
    cache.render_assessment_pdf(found, paper)


def enqueue_pdf_renders(assessment: Assessment) -> None:
    """Queue both papers once the saving transaction commits; never fails the save.

    Autosave saves one answer at a time, so a burst of saves queues a burst of tasks; each
    task carries the save it belongs to and skips itself when a newer save exists, so only
    the last state of a burst is rendered.
    """
    assessment_id, saved_at = str(assessment.pk), assessment.updated_at.isoformat()

    def enqueue() -> None:
        for paper in pdf.PAPERS:
            try:
                render_pdf_task.enqueue(assessment_id, paper, saved_at)
            except Exception:
                logger.exception("could not queue the PDF render of assessment %s", assessment_id)

    transaction.on_commit(enqueue)
