"""Background work for exports: render an assessment's PDFs after a save, so that the
download is a cache hit. A worker (``manage.py db_worker``) runs these; without one, the
download renders on demand and nothing is lost.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.tasks import task

from decider.assessments.models import Assessment

from . import cache, pdf

logger = logging.getLogger(__name__)


@task()
def render_pdf_task(assessment_id: str, paper: str) -> None:
    assessment = Assessment.objects.select_related("team", "author").filter(id=assessment_id)
    found = assessment.first()
    if found is None:
        return  # deleted since the save: nothing to render
    cache.render_assessment_pdf(found, paper)


def enqueue_pdf_renders(assessment_id: Any) -> None:
    """Queue both papers once the saving transaction commits; never fails the save."""

    def enqueue() -> None:
        for paper in pdf.PAPERS:
            try:
                render_pdf_task.enqueue(str(assessment_id), paper)
            except Exception:
                logger.exception("could not queue the PDF render of assessment %s", assessment_id)

    transaction.on_commit(enqueue)
