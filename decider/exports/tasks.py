"""Background work for exports: render an assessment's PDFs after a save, so that the
download is a cache hit. A worker (``manage.py worker``) runs these; without one, the
download renders on demand and nothing is lost. A render may run twice (a worker presumed dead
is retried, ``worker.py``): it writes the same bytes under the same content-hashed name.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from decider.assessments.models import Assessment

from . import cache, pdf

logger = logging.getLogger(__name__)


# A burst of autosaves (one answer at a time) renders once, shortly after it ends.
RENDER_DELAY = timedelta(seconds=5)


@task()
def render_pdf_task(assessment_id: str, paper: str = "") -> None:
    """Render the assessment's PDFs (both papers, or ``paper``) as it is *now*.

    The mark that a render is queued is cleared first, so a save from this moment on queues
    the next render (which then shows that save) rather than relying on this one.
    """
    Assessment.objects.filter(id=assessment_id).update(pdf_queued_at=None)
    found = Assessment.objects.select_related("team", "author").filter(id=assessment_id).first()
    if found is None:
        return  # deleted since the save: nothing to render
    for each in [paper] if paper else list(pdf.PAPERS):
        cache.render_assessment_pdf(found, each)


def enqueue_pdf_render(assessment_id: str) -> None:
    """Queue one render once the saving transaction commits; never fails the save.

    Callers queue only when the assessment has no render queued yet (``pdf_queued_at``, set in
    the save's own UPDATE), so a burst of saves costs one task, not one per keystroke.
    """

    def enqueue() -> None:
        try:
            queued = render_pdf_task
            if queued.get_backend().supports_defer:
                queued = queued.using(run_after=timezone.now() + RENDER_DELAY)
            queued.enqueue(assessment_id)
        except Exception:
            logger.exception("could not queue the PDF render of assessment %s", assessment_id)

    transaction.on_commit(enqueue)
