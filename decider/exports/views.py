"""Downloads of an assessment (decision record, JSON, PDF report) and of a team's list (CSV);
JSON import.

Reading goes through the same checks as the report (``get_assessment_for_request``, or team
membership for team pages); importing needs an owner or editor of the team.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from decider.accounts.models import Membership, Role
from decider.accounts.views import get_team_for_user
from decider.assessments import services
from decider.assessments.models import Assessment
from decider.middleware import sign_in_required

from . import cache, pdf
from .decision_record import decision_record
from .exchange import (
    MAX_IMPORT_BYTES,
    ImportRefused,
    export_assessment,
    import_assessment,
    parse_import_bytes,
)

CSV_HEADER = [
    "title",
    "recommendation",
    "confidence",
    "stage",
    "status",
    "author",
    "updated_at",
    "report_url",
]


def attachment(content: str | bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def file_stem(assessment: Assessment) -> str:
    return slugify(assessment.title)[:60].strip("-") or "assessment"


def decision_makers(assessment: Assessment) -> list[str]:
    """The people who can decide: the team's owners and editors, the author first."""
    if assessment.team_id is None:
        return [str(assessment.author)] if assessment.author_id else []
    members = (
        Membership.objects.filter(team_id=assessment.team_id, role__in=[Role.OWNER, Role.EDITOR])
        .select_related("user")
        .order_by("user__email")
    )
    people = [m.user for m in members]
    people.sort(key=lambda user: user.pk != assessment.author_id)  # stable: author first
    return [str(user) for user in people]


def decision_record_response(assessment: Assessment) -> HttpResponse:
    """The decision record download (web and API): Markdown, MADR 4."""
    result = services.assess_answers(assessment.answers)
    text = decision_record(
        title=assessment.title,
        answers=assessment.answers,
        result=result,
        status=assessment.status,
        date=timezone.localdate(assessment.updated_at),
        decision_makers=decision_makers(assessment),
        ruleset_version=result["ruleset"]["version"],
        ruleset_sha256=result["ruleset"]["sha256"],
    )
    return attachment(
        text,
        content_type="text/markdown; charset=utf-8",
        filename=f"decision-record-{file_stem(assessment)}.md",
    )


def pdf_response(assessment: Assessment, paper: str) -> HttpResponse:
    """The PDF report download (web and API): from the cache when a save already rendered it
    (see exports.tasks), else rendered now and stored; ``X-Decider-PDF`` says which."""
    content, hit = cache.pdf_for_assessment(assessment, paper)
    response = attachment(
        content, content_type="application/pdf", filename=f"{file_stem(assessment)}-{paper}.pdf"
    )
    response["X-Decider-PDF"] = "hit" if hit else "miss"
    return response


@require_GET
def export_decision_record(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    return decision_record_response(services.get_assessment_for_request(request, assessment_id))


@require_GET
def export_json(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    assessment = services.get_assessment_for_request(request, assessment_id)
    data = export_assessment(assessment)
    return attachment(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n",
        content_type="application/json",
        filename=f"{file_stem(assessment)}.json",
    )


@require_GET
def export_pdf(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """The printable report as a PDF, on A4 or US Letter paper: from the cache when a save
    already rendered it (see exports.tasks), else rendered now and stored."""
    assessment = services.get_assessment_for_request(request, assessment_id)
    paper = request.GET.get("paper", "a4")
    if paper not in pdf.PAPERS:
        return HttpResponseBadRequest("paper: choose a4 or letter")
    return pdf_response(assessment, paper)


@sign_in_required
@require_http_methods(["GET", "POST"])
def team_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload or paste an exchange file; a valid one becomes a new assessment in the team."""
    member = get_team_for_user(request.user, slug)  # type: ignore[arg-type]
    if not member.can_edit:
        raise PermissionDenied("Viewers cannot add assessments to this team.")
    errors: list[str] = []
    pasted = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        pasted = request.POST.get("text", "")
        try:
            if upload is not None and upload.size and upload.size > MAX_IMPORT_BYTES:
                raise ImportRefused(
                    [f"file: larger than the limit of {MAX_IMPORT_BYTES // 1024} KB"]
                )
            raw = upload.read(MAX_IMPORT_BYTES + 1) if upload is not None else pasted
            imported = parse_import_bytes(raw)
        except ImportRefused as refused:
            errors = refused.messages
        else:
            visitor = services.visitor_token(request, create=True)
            assert visitor is not None
            assessment = import_assessment(
                imported=imported, team=member.team, author=request.user, visitor=visitor
            )
            return redirect("assessment_report", assessment_id=assessment.id)
    return render(
        request,
        "exports/import.html",
        {
            "team": member.team,
            "errors": errors,
            # A huge paste is not echoed back into the page.
            "pasted": pasted if len(pasted) <= 20_000 else "",
            "limit_kb": MAX_IMPORT_BYTES // 1024,
        },
        status=422 if errors else 200,
    )


@sign_in_required
@require_GET
def team_export_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The team's list as CSV, filtered like the list page (every match, not one page)."""
    member = get_team_for_user(request.user, slug)  # type: ignore[arg-type]
    params = request.GET
    query = services.team_assessments_for(team=member.team, params=params)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for assessment in query:
        url = reverse("assessment_report", kwargs={"assessment_id": assessment.id})
        writer.writerow(
            [
                _cell(assessment.title),
                assessment.recommendation,
                f"{assessment.confidence:.2f}",
                _cell(assessment.stage_label),
                assessment.get_status_display(),
                _cell(str(assessment.author or "")),
                assessment.updated_at.isoformat(),
                request.build_absolute_uri(url),
            ]
        )
    return attachment(
        out.getvalue(),
        content_type="text/csv; charset=utf-8",
        filename=f"{member.team.slug}-assessments.csv",
    )


def _cell(text: Any) -> str:
    """Text a spreadsheet will not run as a formula (titles and names are user input)."""
    value = str(text)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
