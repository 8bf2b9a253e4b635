"""PDF reports cached by content: the same inputs give the same key, and the key names a file.

The key is a sha256 over everything that changes the PDF (answers, ruleset, print template
and stylesheet, paper, cover fields and the cover's date, which is the last save to the
minute), so a cached file is never stale: a change makes a new key, and the old file is
simply no longer asked for. Files live in the default storage under ``pdf-cache/``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import get_template
from django.utils import timezone

from decider.assessments import services
from decider.assessments.models import Assessment

from . import pdf

logger = logging.getLogger(__name__)

CACHE_DIR = "pdf-cache"
# A file being written is named ".<key>.<random>.part" until it is complete and renamed.
PART_SUFFIX = ".part"
# Bump when code (not files) changes what the PDF shows: presenters, labels, render options.
# Changes to the print template, the chart partial or print.css are picked up by their hash.
TEMPLATE_VERSION = "1"
_TEMPLATES = ("exports/report_print.html", "assessments/report.html")


@functools.cache
def template_version() -> str:
    """TEMPLATE_VERSION plus a hash of the print template files, computed once per process."""
    digest = hashlib.sha256(TEMPLATE_VERSION.encode())
    for name in _TEMPLATES:
        origin = get_template(name).origin.name  # type: ignore[attr-defined]
        digest.update(Path(origin).read_bytes())
    css = finders.find(pdf.PRINT_STYLESHEET)
    assert isinstance(css, str), f"static file {pdf.PRINT_STYLESHEET} is missing"
    digest.update(Path(css).read_bytes())
    return digest.hexdigest()[:16]


def pdf_key(
    *,
    answers: Mapping[str, Any],
    ruleset_sha256: str,
    template_version: str,
    paper: str,
    cover: Mapping[str, str],
) -> str:
    """sha256 of a canonical JSON of every input of the PDF (never the current time)."""
    payload = {
        "answers": dict(answers),
        "ruleset": ruleset_sha256,
        "template": template_version,
        "paper": paper,
        "cover": dict(cover),
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def pdf_path(key: str) -> str:
    return f"{CACHE_DIR}/{key}.pdf"


def cached_pdf(key: str) -> bytes | None:
    try:
        with default_storage.open(pdf_path(key), "rb") as handle:
            data: bytes = handle.read()
    except FileNotFoundError:
        return None
    return data


def store_pdf(key: str, data: bytes) -> None:
    """Store a complete PDF under its key; readers never see a partial file.

    On the local file system the bytes go to a temporary file in the same directory, then
    ``os.replace`` renames it into place (atomic on POSIX). Other storages receive the whole
    content in one ``save`` (object stores publish an upload only once it is complete).
    """
    name = pdf_path(key)
    try:
        final = Path(default_storage.path(name))
    except NotImplementedError:
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(data))
        return
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=final.parent, prefix=f".{key}.", suffix=PART_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, final)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def remove_abandoned_parts(*, older_than: timedelta) -> int:
    """Delete temporary files left by a process killed while writing; returns how many.

    Such a file never has a final name, so no reader ever sees it; it only takes disk space.
    Writing one takes milliseconds, so one older than ``older_than`` (the worker's stale-task
    limit) belongs to a dead process. Other storages never hold partial files.
    """
    try:
        folder = Path(default_storage.path(CACHE_DIR))
    except NotImplementedError:
        return 0
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for part in folder.glob(f".*{PART_SUFFIX}"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # renamed into place or removed meanwhile
    return removed


def remove_old_pdfs(*, older_than: timedelta) -> int:
    """Delete cached PDFs stored more than ``older_than`` ago; returns how many.

    Keys are content hashes, so files of earlier answers are never asked for again and would
    otherwise pile up. A removed file that is still current is rendered again when someone
    downloads it. Works through the storage API, so a shared store is pruned the same way.
    """
    try:
        _folders, files = default_storage.listdir(CACHE_DIR)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - older_than
    removed = 0
    for name in files:
        if not name.endswith(".pdf"):
            continue  # temporary files are remove_abandoned_parts' business
        path = f"{CACHE_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
        except FileNotFoundError:
            continue  # removed by another worker meanwhile
    return removed


def _cover_date(assessment: Assessment) -> datetime:
    # The cover shows the last save to the minute; seconds would make every key unique.
    return timezone.localtime(assessment.updated_at).replace(second=0, microsecond=0)


def _cover(assessment: Assessment) -> dict[str, str]:
    return {
        "title": assessment.title,
        "team": assessment.team.name if assessment.team else "",
        "author": str(assessment.author) if assessment.author_id else "",
        "status": assessment.get_status_display(),
        "date": _cover_date(assessment).isoformat(),
    }


def assessment_pdf_key(assessment: Assessment, paper: str, ruleset_sha256: str) -> str:
    return pdf_key(
        answers=assessment.answers,
        ruleset_sha256=ruleset_sha256,
        template_version=template_version(),
        paper=paper,
        cover=_cover(assessment),
    )


def render_assessment_pdf(assessment: Assessment, paper: str) -> bytes:
    """The assessment's PDF: from the cache, or rendered and stored on a miss."""
    data, _hit = pdf_for_assessment(assessment, paper)
    return data


def pdf_for_assessment(assessment: Assessment, paper: str) -> tuple[bytes, bool]:
    """The assessment's PDF and whether it came from the cache; a miss renders and stores."""
    if paper not in pdf.PAPERS:
        raise ValueError(f"paper: expected one of {', '.join(pdf.PAPERS)}, not {paper!r}")
    result = services.assess_answers(assessment.answers)
    key = assessment_pdf_key(assessment, paper, result["ruleset"]["sha256"])
    cached = cached_pdf(key)
    if cached is not None:
        return cached, True
    cover = _cover(assessment)
    context = pdf.report_context(
        title=cover["title"],
        use_case=assessment.answers.get("use_case") or "",
        team=cover["team"],
        author=cover["author"],
        status=cover["status"],
        answers=assessment.answers,
        result=result,
        assessed_at=_cover_date(assessment),
        paper=paper,
    )
    data = pdf.render_pdf(
        pdf.render_html(context),
        title=cover["title"],
        author=cover["author"],
        subject=f"Recommendation: {context['rec_words']}",
        created=context["assessed_at"],
    )
    store_pdf(key, data)
    return data, False
