"""Views for share links: the management page of an assessment's links, and the shared report.

Managing links goes through ``get_assessment_for_request`` (404 for outsiders, 403 when a
viewer tries to change something). The shared report needs no account: the token is the key,
and a dead or unknown token is a plain 404, the same every time.
"""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from decider.assessments import services as assessment_services
from decider.assessments.models import Assessment
from decider.assessments.views import _report_context

from . import services
from .models import ShareLink

# The session key holding a new link until the share page has shown it once.
NEW_LINK_KEY = "new_share_link"


class ShareForm(forms.Form):
    label = forms.CharField(
        label="Who is it for? (optional)",
        max_length=100,
        required=False,
        help_text="A note for your team, such as “Finance review”, to know which link to revoke.",
    )
    expiry = forms.ChoiceField(
        label="Expires",
        choices=[("never", "Never (until revoked)")]
        + [(str(d), f"After {d} day{'s' if d > 1 else ''}") for d in services.EXPIRY_DAYS],
        initial="never",
    )

    def days(self) -> int | None:
        value = self.cleaned_data["expiry"]
        return None if value == "never" else int(value)


def _share_page(
    request: HttpRequest,
    assessment: Assessment,
    *,
    form: ShareForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    member = getattr(assessment, "membership", None)
    new_link = request.session.get(NEW_LINK_KEY)
    if new_link and new_link.get("assessment") == str(assessment.id):
        del request.session[NEW_LINK_KEY]  # shown once, here
    else:
        new_link = None
    return render(
        request,
        "sharing/share.html",
        {
            "assessment": assessment,
            "team": assessment.team,
            "can_edit": member is not None and member.can_edit,
            "links": services.links_for(assessment=assessment) if assessment.team_id else [],
            "form": form or ShareForm(),
            "new_link": new_link["url"] if new_link else "",
            "problem": problem,
            "login_url": f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def assessment_share(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """The assessment's share links; POST makes a new one and shows its URL once."""
    assessment = assessment_services.get_assessment_for_request(
        request, assessment_id, write=request.method == "POST"
    )
    if request.method == "GET":
        return _share_page(request, assessment)
    form = ShareForm(request.POST)
    if not form.is_valid():
        return _share_page(request, assessment, form=form, status=422)
    try:
        link, token = services.create_link(
            assessment=assessment,
            by=request.user,
            days=form.days(),
            label=form.cleaned_data["label"],
        )
    except services.ShareError as error:
        return _share_page(request, assessment, form=form, problem=str(error), status=403)
    url = request.build_absolute_uri(reverse("shared_report", kwargs={"token": token}))
    request.session[NEW_LINK_KEY] = {"assessment": str(assessment.id), "url": url}
    messages.success(request, f"Share link “{link.label or 'without a label'}” created.")
    return redirect("assessment_share", assessment_id=assessment.id)


@require_POST
def assessment_share_revoke(
    request: HttpRequest, assessment_id: UUID, link_id: int
) -> HttpResponse:
    assessment = assessment_services.get_assessment_for_request(request, assessment_id, write=True)
    link = ShareLink.objects.filter(assessment=assessment, pk=link_id).first()
    if link is None:
        raise Http404("No such share link")
    services.revoke(link=link)
    messages.success(request, f"Share link “{link.label or 'without a label'}” revoked.")
    return redirect("assessment_share", assessment_id=assessment.id)


@never_cache  # private, no-store: the report must not linger in shared caches or history
@require_GET
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    """The report alone, read-only, for whoever holds a working link."""
    link = services.find_usable(token)
    if link is None:
        raise Http404("No such share link")
    services.record_view(link=link)
    assessment = link.assessment
    context = _report_context(assessment, assessment.answers)
    context["team"] = assessment.team
    response = render(request, "sharing/shared_report.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
