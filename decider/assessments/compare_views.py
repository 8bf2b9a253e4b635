"""Side-by-side comparison of assessments or revisions: ``/compare/?a=<id>&r=<id>...``.

Every item passes the same access check as its report (``get_assessment_for_request``): an
assessment directly, a revision through its assessment. A bad request (too few or too many
items, an id that is not an id) gets the page with a message and status 400; an item the
requester may not see gets 404, as everywhere else.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import parse_qsl

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from decider.engine import default_engine
from decider.fragments import cached_fragment

from . import services
from .comparison import LETTERS, MAX_ITEMS, MIN_ITEMS, CompareItem, compare_answers
from .models import Assessment, Revision

TEMPLATE = "assessments/compare.html"
_REVISION_ID = re.compile(r"[0-9]{1,10}")  # ASCII digits only: int() would take "²" too


def _shown(value: str) -> str:
    """A bad id as the message quotes it: short enough not to swamp the page."""
    return value if len(value) <= 40 else value[:37] + "..."


class BadComparison(ValueError):
    """The query does not name a comparable set of items; the message says why."""


def get_revision_for_request(request: HttpRequest, revision_id: int) -> Revision:
    """A revision, if the requester may read its assessment; 404 (or sign-in) otherwise."""
    try:
        revision = Revision.objects.select_related("assessment").get(pk=revision_id)
    except Revision.DoesNotExist:
        raise Http404("No such revision") from None
    # The one access check, on the revision's assessment; it raises for outsiders.
    revision.assessment = services.get_assessment_for_request(request, revision.assessment_id)
    return revision


def _requested(request: HttpRequest) -> list[tuple[str, uuid.UUID | int]]:
    """The items in the order the query names them, ``a`` and ``r`` mixed, repeats dropped."""
    # parse_qsl keeps the interleaving of a= and r= that QueryDict's per-key lists lose.
    pairs = [
        (key, value.strip())
        for key, value in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
        if key in ("a", "r")
    ]
    if len(pairs) > MAX_ITEMS:
        raise BadComparison(
            f"You chose {len(pairs)} items; a comparison shows at most {MAX_ITEMS}. "
            "Go back and choose fewer."
        )
    items: list[tuple[str, uuid.UUID | int]] = []
    for key, value in pairs:
        parsed: uuid.UUID | int
        if key == "a":
            try:
                parsed = uuid.UUID(value)
            except ValueError:
                raise BadComparison(f"“{_shown(value)}” is not an assessment id.") from None
        else:
            if not _REVISION_ID.fullmatch(value) or not 0 < int(value) < 2**31:
                raise BadComparison(f"“{_shown(value)}” is not a revision id.")
            parsed = int(value)
        if (key, parsed) not in items:
            items.append((key, parsed))
    if len(items) < MIN_ITEMS:
        raise BadComparison(
            f"Choose at least {MIN_ITEMS} different assessments or revisions to compare "
            f"(at most {MAX_ITEMS}): tick them in your team's list or in an assessment's "
            "history."
        )
    return items


def _assessment_item(assessment: Assessment) -> CompareItem:
    return CompareItem(
        label=assessment.title,
        answers=assessment.answers,
        href=reverse("assessment_report", args=[assessment.id]),
        href_text="Open the report",
    )


def _revision_item(revision: Revision) -> CompareItem:
    return CompareItem(
        label=f"{revision.assessment.title}, revision {revision.number}",
        answers=revision.answers,
        href=reverse("assessment_history", args=[revision.assessment_id]),
        href_text="Open the history",
    )


def _load(request: HttpRequest, wanted: list[tuple[str, uuid.UUID | int]]) -> list[CompareItem]:
    loaded: list[Assessment | Revision] = [
        services.get_assessment_for_request(request, key)
        if kind == "a"
        else get_revision_for_request(request, int(key))
        for kind, key in wanted
    ]
    revisions = [r for r in loaded if isinstance(r, Revision)]
    if len(revisions) == len(loaded) and len({r.assessment_id for r in revisions}) == 1:
        # Revisions of one assessment read as a story: oldest first, whatever the form sent.
        revisions.sort(key=lambda r: r.number)
        return [_revision_item(r) for r in revisions]
    return [_assessment_item(x) if isinstance(x, Assessment) else _revision_item(x) for x in loaded]


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """Two to four assessments or revisions side by side, and the reasons they differ."""
    try:
        wanted = _requested(request)
    except BadComparison as exc:
        context: dict[str, Any] = {"error": str(exc), "min_items": MIN_ITEMS}
        return render(request, TEMPLATE, context, status=400)
    items = _load(request, wanted)
    # The comparison is cached by everything it shows (decider/fragments.py).
    html = cached_fragment(
        "comparison",
        [
            default_engine().loaded.sha256,
            *([i.label, i.href, i.href_text, dict(i.answers)] for i in items),
        ],
        lambda: render_to_string(
            f"{TEMPLATE}#comparison_body", {"comparison": compare_answers(items)}
        ),
    )
    return render(request, TEMPLATE, {"comparison_html": html, "letters": LETTERS[: len(items)]})
