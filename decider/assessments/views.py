"""Views of the assessments app: home, the questionnaire steps, autosave, review and report.

Thin by design: parse the request, call ``services``, render. Every view that takes an
assessment id goes through ``get_assessment_for_request``, which answers 404 for anything this
browser does not own.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from decider.accounts.models import Membership
from decider.accounts.services import personal_team
from decider.accounts.views import get_team_for_user
from decider.engine import AnswersError, default_engine, questions, validate_answers
from decider.engine.examples import examples
from decider.engine.labels import labels
from decider.engine.ruleset import AREAS
from decider.fragments import cached_fragment
from decider.middleware import sign_in_required

from . import presenters, services
from .models import Assessment, Status


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it (typed for mypy)."""

    htmx: HtmxDetails


def _author(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What Decider does, the visitor's recent assessments, and the worked examples."""
    engine = default_engine()
    ruleset = engine.loaded.ruleset
    worked = [
        {"example": example, "result": engine.assess_valid(validate_answers(example["answers"]))}
        for example in examples()
    ]
    recent = services.recent_assessments(request=request)
    return render(
        request,
        "assessments/home.html",
        {
            "areas": [ruleset.areas[a] for a in AREAS],
            "worked": worked,
            "recent": recent,
            "ruleset": engine.loaded,
        },
    )


@require_POST
def assessment_new(request: HttpRequest) -> HttpResponse:
    """Start an assessment: empty, or filled in from a worked example (``example`` slug)."""
    visitor = services.visitor_token(request, create=True)
    assert visitor is not None
    slug = request.POST.get("example", "")
    answers = None
    if slug:
        match = [e for e in examples() if e["slug"] == slug]
        if not match:
            return HttpResponseBadRequest("Unknown example.")
        answers = match[0]["answers"]
    team = None
    author = None
    if request.POST.get("team") and not request.user.is_authenticated:
        raise services.SignInRequired  # team work needs a member; never drop the team silently
    if request.user.is_authenticated:
        author = request.user
        slug = request.POST.get("team", "")
        if slug:
            member = get_team_for_user(request.user, slug)
            if not member.can_edit:
                raise PermissionDenied("Viewers cannot start assessments in this team.")
            team = member.team
        else:
            team = personal_team(request.user)
    assessment = services.start_assessment(
        visitor=visitor, answers=answers, team=team, author=author
    )
    if answers is not None:
        return redirect("assessment_report", assessment_id=assessment.id)
    return redirect("assessment_step", assessment_id=assessment.id, step=services.steps()[0])


@require_GET
def assessment_resume(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """The assessment's own URL: back to the step where the user left off."""
    assessment = services.get_assessment_for_request(request, assessment_id)
    return redirect(_step_url(assessment, assessment.current_step))


def _step_url(assessment: Assessment, step: str) -> str:
    if step == services.REVIEW_STEP:
        return reverse("assessment_review", kwargs={"assessment_id": assessment.id})
    return reverse("assessment_step", kwargs={"assessment_id": assessment.id, "step": step})


def _step_context(
    assessment: Assessment,
    step: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    bases: dict[str, Any] | None = None,
    conflicts: dict[str, services.Conflict] | None = None,
) -> dict[str, Any]:
    order = services.steps()
    index = order.index(step)
    shown = {**assessment.answers, **(values or {})}
    errors = errors or {}
    bases = bases or {}
    conflicts = conflicts or {}

    def view(question: Any) -> presenters.QuestionView:
        qid = question.id
        if qid in conflicts:
            # Show the user's own value, ready to submit again; the base becomes theirs, so
            # submitting again means "use mine" and picking theirs means "keep theirs".
            clash = conflicts[qid]
            shown_view = presenters.question_view(question, clash.mine, base=clash.theirs)
            shown_view.conflict = {
                "theirs": presenters.answer_words(qid, clash.theirs) or "(empty)",
                "mine": presenters.answer_words(qid, clash.mine) or "(empty)",
            }
            return shown_view
        return presenters.question_view(
            question, shown[qid], errors.get(qid, ""), base=bases.get(qid)
        )

    return {
        "assessment": assessment,
        "step": step,
        "section": labels().sections[step],
        "step_number": index + 1,
        "step_count": len(order),
        "previous_step": order[index - 1] if index > 0 else None,
        "next_step": order[index + 1],
        "steps": presenters.step_links(step, assessment.answered),
        "progress": presenters.progress(assessment.answered),
        "questions": [view(q) for q in services.section_questions(step)],
        "tokens_words": presenters.tokens_words(assessment.answers),
        "errors": errors,
        "conflicts": conflicts,
    }


@require_http_methods(["GET", "POST"])
def assessment_step(request: HttpRequest, assessment_id: UUID, step: str) -> HttpResponse:
    """One section of the questionnaire. POST saves the whole section (or nothing) and moves on.

    This is the no-JavaScript path and the "Next" button; with JavaScript every change has
    already been autosaved, and the POST simply confirms the same values.
    """
    assessment = services.get_assessment_for_request(
        request, assessment_id, write=request.method == "POST"
    )
    if step not in services.steps() or step == services.REVIEW_STEP:
        return redirect(_step_url(assessment, services.REVIEW_STEP))
    if request.method == "GET":
        services.remember_step(assessment=assessment, step=step)
        return render(request, "assessments/step.html", _step_context(assessment, step))

    ids = [q.id for q in services.section_questions(step)]
    changes, field_errors = services.parse_changes(request.POST, allowed=ids)
    bases = services.parse_bases(request.POST, allowed=ids)
    field_errors = services.check_answers(
        base=assessment.answers, changes=changes, errors=field_errors
    )
    if not field_errors:
        try:
            services.apply_answers(
                assessment=assessment, changes=changes, author=_author(request), bases=bases
            )
        except AnswersError as exc:  # answers changed meanwhile and no longer fit
            field_errors = exc.errors
        except services.ConflictError as exc:
            context = _step_context(
                assessment,
                step,
                values=changes,
                bases=bases,
                conflicts={c.question: c for c in exc.conflicts},
            )
            return render(request, "assessments/step.html", context, status=409)
    if field_errors:
        submitted = {qid: request.POST[qid] for qid in ids if qid in request.POST}
        context = _step_context(
            assessment,
            step,
            values=submitted,
            errors={e.field: presenters.error_text(e) for e in field_errors},
            bases=bases,
        )
        return render(request, "assessments/step.html", context, status=422)
    target = request.POST.get("go", "next")
    order = services.steps()
    if target == "next":
        target = order[order.index(step) + 1]
    elif target == "back":
        target = order[max(order.index(step) - 1, 0)]
    elif target not in order:
        target = step
    services.remember_step(assessment=assessment, step=target)
    return redirect(_step_url(assessment, target))


@require_POST
def assessment_answer(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """Autosave one answer (htmx). Returns out-of-band fragments: feedback, progress, status."""
    known = questions()
    error = ""
    clash = None
    # The access check reads the row under its lock, and the save uses it as read: one query
    # fewer on the request users make most (docs/PERFORMANCE.md).
    with transaction.atomic():
        assessment = services.get_assessment_for_request(
            request, assessment_id, write=True, lock=True
        )
        given = [qid for qid in request.POST if qid in known]
        if len(given) != 1:
            return HttpResponseBadRequest("Send exactly one answer.")
        qid = given[0]
        try:
            changes, field_errors = services.parse_changes(request.POST, allowed=[qid])
            if field_errors:
                raise AnswersError(field_errors)
            services.apply_answers(
                assessment=assessment,
                changes=changes,
                author=_author(request),
                bases=services.parse_bases(request.POST, allowed=[qid]),
                locked=True,
            )
        except AnswersError as exc:
            error = " ".join(presenters.error_text(e) for e in exc.errors if e.field in (qid, ""))
        except services.ConflictError as exc:
            clash = exc.conflicts[0]
    if clash is not None:
        context = {
            "assessment": assessment,
            "q": presenters.conflict_view(known[qid], clash.theirs, clash.mine),
            "autosave_url": reverse("assessment_answer", kwargs={"assessment_id": assessment.id}),
        }
        return render(request, "assessments/step.html#conflict", context, status=409)
    context = {
        "assessment": assessment,
        "question": presenters.question_view(known[qid], assessment.answers[qid], error),
        "progress": presenters.progress(assessment.answered),
        "steps": presenters.step_links(assessment.current_step, assessment.answered),
        "tokens_words": presenters.tokens_words(assessment.answers),
        "saved_at": timezone.localtime(),
        "error": error,
        "volume": qid in ("monthly_requests", "tokens_per_request"),
        "resolved": request.POST.get("resolved") == "1" and not error,
        "autosave_url": reverse("assessment_answer", kwargs={"assessment_id": assessment.id}),
    }
    return render(request, "assessments/step.html#autosave", context, status=422 if error else 200)


@require_GET
def assessment_review(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """Every answer on one page, each with a way back to change it."""
    assessment = services.get_assessment_for_request(request, assessment_id)
    services.remember_step(assessment=assessment, step=services.REVIEW_STEP)
    answered = set(assessment.answered)
    sections = []
    for section in services.steps()[:-1]:
        sections.append(
            {
                "id": section,
                "title": labels().sections[section].title,
                "rows": [
                    {
                        "id": q.id,
                        "label": labels().question(q.id).label,
                        "answer": presenters.answer_words(q.id, assessment.answers[q.id])
                        or "(none)",
                        "default": q.id not in answered,
                    }
                    for q in services.section_questions(section)
                ],
            }
        )
    order = services.steps()
    return render(
        request,
        "assessments/review.html",
        {
            "assessment": assessment,
            "step": services.REVIEW_STEP,
            "sections": sections,
            "steps": presenters.step_links(services.REVIEW_STEP, assessment.answered),
            "progress": presenters.progress(assessment.answered),
            "previous_step": order[-2],
            "step_number": len(order),
            "step_count": len(order),
        },
    )


def _report_context(
    assessment: Assessment,
    answers: dict[str, Any],
    *,
    what_if: bool = False,
    form_values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    bases: dict[str, Any] | None = None,
) -> dict[str, Any]:
    result = services.assess_answers(answers)
    changed = [
        {
            "label": labels().question(qid).label,
            "was": presenters.answer_words(qid, assessment.answers[qid]),
            "now": presenters.answer_words(qid, answers[qid]),
        }
        for qid in questions()
        if answers[qid] != assessment.answers[qid]
    ]
    shown = {**answers, **(form_values or {})}
    errors = errors or {}
    known = questions()
    return {
        "error_questions": [
            presenters.question_view(known[qid], shown.get(qid), message)
            for qid, message in errors.items()
            if qid in known
        ],
        "assessment": assessment,
        "result": result,
        "rec_words": presenters.REC_WORDS[result["recommendation"]],
        "confidence_pct": round(result["confidence"] * 100),
        "confidence_words": presenters.confidence_words(result["confidence"]),
        "chart": presenters.area_chart(result),
        "groups": presenters.rationale_by_area(result),
        "flips": [presenters.flip_sentence(f, answers) for f in result["flips"]],
        "tokens_words": presenters.tokens_words(answers),
        "what_if": what_if,
        "changed": changed,
        "errors": errors,
        "form_sections": [
            {
                "title": labels().sections[section].title,
                "questions": [
                    presenters.question_view(
                        q,
                        shown[q.id],
                        errors.get(q.id, ""),
                        base=(bases or {}).get(q.id, assessment.answers[q.id]),
                    )
                    for q in services.section_questions(section)
                    if q.kind != "text"
                ],
            }
            for section in services.steps()[:-1]
        ],
        "assessed_at": timezone.localtime(),
        "rec_labels": presenters.REC_WORDS,
        "can_edit": getattr(getattr(assessment, "membership", None), "can_edit", True),
    }


@require_GET
def assessment_report(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """The recommendation, why, what to watch, what would change it, and what-if."""
    assessment = services.get_assessment_for_request(request, assessment_id)
    assessed_at = timezone.localtime()
    full: dict[str, Any] = {}

    def context() -> dict[str, Any]:
        if not full:
            full.update(_report_context(assessment, assessment.answers))
            full["assessed_at"] = assessed_at
        return full

    # Both fragments are cached by everything they show (decider/fragments.py): a report is
    # read far more often than its answers change.
    content = [assessment.answers, default_engine().loaded.sha256]
    body = cached_fragment(
        "report_body",
        [*content, assessment.updated_at.isoformat(), assessed_at.strftime("%Y-%m-%d %H:%M")],
        lambda: render_to_string("assessments/report.html#report_body", context()),
    )
    fields = cached_fragment(
        "what_if_fields",
        content,
        lambda: render_to_string("assessments/report.html#what_if_fields", context()),
    )
    return render(
        request,
        "assessments/report.html",
        {
            "assessment": assessment,
            "can_edit": getattr(getattr(assessment, "membership", None), "can_edit", True),
            "report_body_html": body,
            "what_if_fields_html": fields,
        },
    )


@require_POST
def assessment_what_if(request: HtmxHttpRequest, assessment_id: UUID) -> HttpResponse:
    """Recompute the report for changed answers without saving; or save them when asked."""
    assessment = services.get_assessment_for_request(
        request, assessment_id, write=request.POST.get("action") == "save"
    )
    ids = [qid for qid, q in questions().items() if q.kind != "text"]
    changes, field_errors = services.parse_changes(request.POST, allowed=ids)
    bases = services.parse_bases(request.POST, allowed=ids)
    # What the user changed relative to the page they started from. Anything else keeps the
    # value saved now, even if someone else saved it after this page was loaded.
    mine = {k: v for k, v in changes.items() if v != bases.get(k, assessment.answers.get(k))}
    field_errors = services.check_answers(
        base=assessment.answers, changes=mine, errors=field_errors
    )
    answers = dict(assessment.answers)
    if not field_errors:
        answers = validate_answers({**assessment.answers, **mine})
    errors = {e.field: presenters.error_text(e) for e in field_errors}
    conflicts: list[services.Conflict] = []
    if not errors and request.POST.get("action") == "save":
        try:
            services.apply_answers(
                assessment=assessment, changes=mine, author=_author(request), bases=bases
            )
        except services.ConflictError as exc:
            conflicts = exc.conflicts
        else:
            url = reverse("assessment_report", kwargs={"assessment_id": assessment.id})
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = _report_context(
        assessment,
        answers,
        what_if=True,
        form_values={qid: request.POST[qid] for qid in errors if qid in request.POST},
        errors=errors,
        bases={**bases, **{c.question: c.theirs for c in conflicts}},
    )
    context["conflicts"] = [
        {
            "id": c.question,
            "label": labels().question(c.question).label,
            "theirs": presenters.answer_words(c.question, c.theirs),
            "mine": presenters.answer_words(c.question, c.mine),
            "theirs_value": c.theirs,
        }
        for c in conflicts
    ]
    context["oob"] = bool(request.htmx)
    template = "assessments/report.html#report_body" if request.htmx else "assessments/report.html"
    status = 409 if conflicts else 422 if errors else 200
    return render(request, template, context, status=status)


# ---------------------------------------------------------------------- saved assessments

PAGE_SIZE = 20


@sign_in_required
@require_GET
def team_assessments(request: HttpRequest, slug: str) -> HttpResponse:
    """A team's assessments: search, filter, sort, paginate; pick some to compare."""
    member = get_team_for_user(request.user, slug)  # type: ignore[arg-type]
    params = request.GET
    query = services.team_assessments_for(team=member.team, params=params)
    page = Paginator(query, PAGE_SIZE).get_page(params.get("page"))
    kept = params.copy()
    kept.pop("page", None)
    authors = Membership.objects.filter(team=member.team).select_related("user")
    # The rows are cached by everything they show (decider/fragments.py).
    rows = cached_fragment(
        "list_rows",
        [
            (
                str(a.id),
                a.title,
                a.recommendation,
                a.confidence,
                a.stage,
                a.status,
                str(a.author or ""),
                a.updated_at.isoformat(),
            )
            for a in page
        ],
        lambda: render_to_string("assessments/list.html#rows", {"page": page}),
    )
    return render(
        request,
        "assessments/list.html",
        {
            "team": member.team,
            "me": member,
            "page": page,
            "rows_html": rows,
            "params": params,
            "kept_query": kept.urlencode(),
            "authors": [m.user for m in authors],
            "stages": labels().question("stage").choices.items(),
            "statuses": Status.choices,
            "sorts": [
                ("updated", "Last changed"),
                ("oldest", "Oldest change first"),
                ("title", "Title"),
                ("confidence", "Confidence"),
                ("recommendation", "Recommendation"),
            ],
        },
    )


@require_http_methods(["GET", "POST"])
def assessment_details(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """Title and status (draft, proposed, accepted, superseded)."""
    assessment = services.get_assessment_for_request(
        request, assessment_id, write=request.method == "POST"
    )
    error = ""
    if request.method == "POST":
        status = request.POST.get("status", "")
        if status not in Status.values:
            error = "Choose one of the statuses listed."
        else:
            services.update_details(
                assessment=assessment, name=request.POST.get("name", ""), status=status
            )
            return redirect("assessment_report", assessment_id=assessment.id)
    return render(
        request,
        "assessments/details.html",
        {"assessment": assessment, "statuses": Status.choices, "error": error},
        status=422 if error else 200,
    )


@require_POST
def assessment_duplicate(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    assessment = services.get_assessment_for_request(request, assessment_id, write=True)
    visitor = services.visitor_token(request, create=True)
    assert visitor is not None
    copy = services.duplicate_assessment(
        assessment=assessment, author=_author(request), visitor=visitor
    )
    messages.success(request, "This is a copy: change any answer to explore another scenario.")
    return redirect("assessment_review", assessment_id=copy.id)


@require_POST
def assessment_archive(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    assessment = services.get_assessment_for_request(request, assessment_id, write=True)
    archive = request.POST.get("action") != "restore"
    services.set_archived(assessment=assessment, archived=archive)
    messages.success(request, "Archived." if archive else "Restored.")
    return redirect("assessment_report", assessment_id=assessment.id)


@require_http_methods(["GET", "POST"])
def assessment_delete(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """Ask first; POST deletes the assessment with its history."""
    assessment = services.get_assessment_for_request(request, assessment_id, write=True)
    if request.method == "POST":
        team = assessment.team
        title = assessment.title
        assessment.delete()
        messages.success(request, f"Deleted “{title}”.")
        if team is not None:
            return redirect("team_assessments", slug=team.slug)
        return redirect("home")
    return render(request, "assessments/delete.html", {"assessment": assessment})


@require_GET
def assessment_history(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """Every revision: who changed which answers, and the result each time."""
    assessment = services.get_assessment_for_request(request, assessment_id)
    rows = []
    for revision in services.revisions(assessment=assessment):
        rows.append(
            {
                "revision": revision,
                "changed": [labels().question(q).label for q in revision.changed],
                "rec_words": presenters.REC_WORDS.get(revision.recommendation, ""),
            }
        )
    return render(request, "assessments/history.html", {"assessment": assessment, "rows": rows})
