"""Domain logic for assessments: typed, keyword-only functions that say what they change.

Views stay thin: they parse the request, call these, and render. Nothing here knows about
HTTP except ``visitor_token``, the seam that accounts will replace with users and teams.
"""

from __future__ import annotations

import contextlib
import functools
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.db.models import F, Q, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import Http404, HttpRequest
from django.utils import timezone

from decider.accounts.models import Membership, Team
from decider.accounts.services import personal_team
from decider.engine import AnswersError, FieldError, default_engine, questions, validate_answers
from decider.engine.evaluate import Result
from decider.engine.questionnaire import Question, load_questionnaire
from decider.rows import Columns, fetch_one, select_pair

from .models import Assessment, Revision

# Saves by the same person within this many seconds of the last revision join that revision.
REVISION_FOLD_SECONDS = 600

VISITOR_KEY = "decider_visitor"
REVIEW_STEP = "review"

_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,16}")
_SEPARATORS = str.maketrans("", "", " \u2009\u202f\u00a0,_'")


def steps() -> list[str]:
    """The questionnaire's sections in order, then the review step."""
    return [s.id for s in load_questionnaire().sections] + [REVIEW_STEP]


def section_questions(section_id: str) -> tuple[Question, ...]:
    for section in load_questionnaire().sections:
        if section.id == section_id:
            return section.questions
    raise KeyError(section_id)


def visitor_token(request: HttpRequest, *, create: bool) -> str | None:
    """The browser's anonymous identity, kept in its session; made on first need."""
    token = request.session.get(VISITOR_KEY)
    if token is None and create:
        token = secrets.token_urlsafe(24)
        request.session[VISITOR_KEY] = token
    return token


class SignInRequired(Exception):
    """The assessment belongs to a team and nobody is signed in (or the login expired)."""


def get_assessment_for_request(
    request: HttpRequest, assessment_id: Any, *, write: bool = False, lock: bool = False
) -> Assessment:
    """The one access check for assessments: 404 when not yours, 403 when yours to read only.

    Work started before signing in belongs to the browser that started it (its visitor
    token). Team work needs a signed-in member of the team; editing needs an owner or editor.
    Outsiders get 404, so an id reveals nothing about whether it exists.

    ``lock`` reads the row ``FOR UPDATE``, inside the caller's transaction, so a save that
    follows can use it as read (``apply_answers(locked=True)``) without reading it again.
    """
    user = request.user
    assessment = _read_for_access(
        assessment_id, user_id=user.pk if user.is_authenticated else None, lock=lock
    )
    if assessment is None:
        raise Http404("No such assessment")
    if assessment.team_id is None:
        token = visitor_token(request, create=False)
        if token is None or assessment.visitor != token:
            raise Http404("No such assessment")
        return assessment
    if not user.is_authenticated:
        raise SignInRequired
    role = getattr(assessment, "caller_role", None)
    if role is None:
        raise Http404("No such assessment")
    member = Membership(team_id=assessment.team_id, user_id=user.pk, role=role)
    if write and not member.can_edit:
        raise PermissionDenied("Viewers can read this team's assessments but not change them.")
    assessment.membership = member  # type: ignore[attr-defined]
    return assessment


@functools.cache
def _access_sql() -> tuple[Columns, Columns, str]:
    memberships = connections["default"].ops.quote_name(Membership._meta.db_table)
    return select_pair(
        Assessment,
        Team,
        join="LEFT JOIN",
        on="b.id = a.team_id",
        where="a.id = %s",
        extra=(
            f"(SELECT m.role FROM {memberships} m WHERE m.team_id = a.team_id AND m.user_id = %s)"
        ),
    )


def _read_for_access(assessment_id: Any, *, user_id: Any, lock: bool) -> Assessment | None:
    """The assessment with its team and the user's role in that team, in one plain SELECT.

    Every assessment page, autosave and comparison item starts here, so the query is
    written once instead of built by the ORM each time (decider/rows.py explains the cost). It
    gives what ``Assessment.objects.select_related("team")`` with a ``caller_role`` annotation
    gave: the same objects, the team cached on the assessment. ``lock`` adds ``FOR UPDATE`` of
    the assessment's row (PostgreSQL; SQLite locks the whole database on write anyway).
    """
    columns, team, sql = _access_sql()
    connection = connections["default"]
    try:
        pk = Assessment._meta.pk
        key = pk.get_db_prep_value(pk.to_python(assessment_id), connection)
    except ValidationError:
        return None
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE OF a"
    row = fetch_one(sql, [user_id, key])  # the role's parameter comes first, in the SELECT
    if row is None:
        return None
    assessment: Assessment = columns.build(row)
    assessment.team = team.build(row, len(columns)) if assessment.team_id is not None else None
    assessment.caller_role = row[-1]  # type: ignore[attr-defined]
    return assessment


def attach_visitor_assessments(*, visitor: str, user: Any) -> int:
    """Move work this browser started before signing in into the user's personal space."""
    return Assessment.objects.filter(visitor=visitor, team__isnull=True).update(
        team=personal_team(user), author=user
    )


def recent_assessments(*, request: HttpRequest, limit: int = 10) -> list[Assessment]:
    """This browser's work before signing in, or the signed-in user's latest team work."""
    if request.user.is_authenticated:
        query = Assessment.objects.filter(
            team__memberships__user=request.user, archived_at__isnull=True
        )
    else:
        visitor = visitor_token(request, create=False)
        if visitor is None:
            return []
        query = Assessment.objects.filter(visitor=visitor, team__isnull=True)
    return list(query.select_related("team").order_by("-updated_at")[:limit])


def coerce_value(question: Question, raw: str) -> str | int:
    """A form field's text as the contract's type; ``AnswersError`` names what is allowed.

    Whole numbers may carry thousands separators (spaces, commas, underscores), as people
    type them; anything else that is not a whole number is refused, not guessed at.
    """
    if question.kind == "integer":
        text = raw.strip().translate(_SEPARATORS)
        if not _WHOLE_NUMBER.fullmatch(text):
            shown = repr(raw.strip()) if raw.strip() else "an empty value"
            raise AnswersError(
                [
                    FieldError(
                        question.id,
                        f"{shown} is not allowed; expected {question.allowed()}",
                        shown,
                    )
                ]
            )
        return int(text)
    if question.kind == "text":
        return raw.replace("\r\n", "\n")
    return raw


def parse_changes(
    data: Mapping[str, str], *, allowed: Iterable[str]
) -> tuple[dict[str, str | int], list[FieldError]]:
    """Pick the answers out of submitted form data, typed, with an error per bad field."""
    known = questions()
    changes: dict[str, str | int] = {}
    errors: list[FieldError] = []
    for qid in allowed:
        if qid not in data:
            continue
        try:
            changes[qid] = coerce_value(known[qid], data[qid])
        except AnswersError as exc:
            errors.extend(exc.errors)
    return changes, errors


def _ordered(ids: Iterable[str]) -> list[str]:
    wanted = set(ids)
    return [qid for qid in questions() if qid in wanted]


def start_assessment(
    *,
    visitor: str,
    answers: Mapping[str, Any] | None = None,
    team: Any = None,
    author: Any = None,
    name: str = "",
) -> Assessment:
    """Create an assessment with default answers, or with the given ones (an example).

    Without a team it belongs to the browser (``visitor``) until its user signs in.
    """
    given = dict(answers or {})
    complete = validate_answers(given)
    result = default_engine().assess_valid(complete)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            visitor=visitor,
            team=team,
            author=author,
            name=name,
            answers=complete,
            answered=_ordered(given),
            current_step=steps()[0] if not given else REVIEW_STEP,
            ruleset_version=result["ruleset"]["version"],
            recommendation=result["recommendation"],
            confidence=result["confidence"],
            stage=complete["stage"],
            search_text=f"{name}\n{complete['use_case']}".casefold(),
            pdf_queued_at=timezone.now(),
        )
        _record_revision(assessment=assessment, changed=list(given), author=author)
        from decider.exports.tasks import enqueue_pdf_render

        enqueue_pdf_render(str(assessment.pk))
    return assessment


def _record_revision(*, assessment: Assessment, changed: Iterable[str], author: Any) -> None:
    """Write (or extend) the revision for this save. Call inside the saving transaction."""
    author_id = getattr(author, "pk", None)
    latest = (
        Revision.objects.select_for_update()
        .filter(assessment=assessment)
        .order_by("-number")
        .first()
    )
    fold = (
        latest is not None
        and latest.author_id == author_id
        and (timezone.now() - latest.updated_at).total_seconds() < REVISION_FOLD_SECONDS
        and latest.number > 1  # the starting point stays as it was
    )
    if fold:
        assert latest is not None
        latest.number = assessment.revision
        latest.answers = assessment.answers
        latest.changed = _ordered([*latest.changed, *changed])
        latest.ruleset_version = assessment.ruleset_version
        latest.recommendation = assessment.recommendation
        latest.confidence = assessment.confidence
        latest.save()
        return
    Revision.objects.create(
        assessment=assessment,
        number=assessment.revision,
        answers=assessment.answers,
        changed=_ordered(changed),
        ruleset_version=assessment.ruleset_version,
        recommendation=assessment.recommendation,
        confidence=assessment.confidence,
        author_id=author_id,
    )


# A render queued longer ago than this is presumed lost (its task could not be queued, or
# failed for good), so the next save queues another.
PDF_QUEUE_STALE_SECONDS = 600


def _render_due(assessment: Assessment) -> bool:
    """Whether a save must queue a PDF render: none is queued (or the one queued is lost)."""
    queued = assessment.pdf_queued_at
    return queued is None or (timezone.now() - queued).total_seconds() > PDF_QUEUE_STALE_SECONDS


def _queue_pdf_renders(assessment: Assessment) -> None:
    """Render the PDF reports in the background once the save commits (see exports.tasks),
    unless a render is already queued: that one will render this save too."""
    from decider.exports.tasks import enqueue_pdf_render  # exports builds on assessments

    stale = timezone.now() - timedelta(seconds=PDF_QUEUE_STALE_SECONDS)
    claimed = (
        Assessment.objects.filter(pk=assessment.pk)
        .filter(Q(pdf_queued_at__isnull=True) | Q(pdf_queued_at__lt=stale))
        .update(pdf_queued_at=timezone.now())
    )
    if claimed:
        enqueue_pdf_render(str(assessment.pk))


# What a save of answers changes on the assessment row.
_RESULT_FIELDS = (
    "answers",
    "answered",
    "ruleset_version",
    "recommendation",
    "confidence",
    "stage",
    "search_text",
    "revision",
)


@dataclass(frozen=True)
class Conflict:
    """Someone else saved this answer after the user loaded it, and the two differ."""

    question: str
    theirs: Any
    mine: Any


class ConflictError(Exception):
    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        super().__init__(", ".join(c.question for c in conflicts))


def apply_answers(
    *,
    assessment: Assessment,
    changes: Mapping[str, str | int],
    author: Any = None,
    bases: Mapping[str, Any] | None = None,
    locked: bool = False,
) -> Result:
    """Validate the changed answers together with the rest and save them all, or none.

    The row is re-read under a lock and the changes merged onto what is stored *now*, so two
    saves arriving together (an autosave on blur and a click, or two tabs) both keep their
    answer. ``bases`` are the values the user saw before changing them: when someone else
    has saved a different value for the same question since, nothing is saved and
    ``ConflictError`` lists both values, so the user can choose; changes to other questions
    merge silently. Raises ``AnswersError`` (naming each bad field) without touching the
    database.
    Returns the result of the saved answers and refreshes ``assessment`` in place.

    ``locked`` says ``assessment`` was read under a row lock in the transaction this runs in
    (``get_assessment_for_request(lock=True)``): it is then current, and is not read again.
    """
    if locked and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply_answers(locked=True) must run in the caller's transaction")
    # Locked: the caller's transaction holds the row lock and makes this all or nothing.
    with contextlib.nullcontext() if locked else transaction.atomic():
        current = (
            assessment if locked else Assessment.objects.select_for_update().get(pk=assessment.pk)
        )
        before = dict(current.answers)
        conflicts = [
            Conflict(qid, before[qid], value)
            for qid, value in changes.items()
            if bases is not None
            and qid in bases
            and bases[qid] != before.get(qid)
            and value != before.get(qid)
        ]
        if conflicts:
            raise ConflictError(conflicts)
        complete = validate_answers({**before, **changes})
        result = default_engine().assess_valid(complete)
        current.answers = complete
        current.answered = _ordered([*current.answered, *changes])
        current.ruleset_version = result["ruleset"]["version"]
        current.recommendation = result["recommendation"]
        current.confidence = result["confidence"]
        current.stage = complete["stage"]
        current.refresh_search_text()
        current.revision += 1
        render = _render_due(current)
        if render:  # claimed in this same UPDATE: an autosave burst costs no extra query
            current.pdf_queued_at = timezone.now()
        current.save(update_fields=[*_RESULT_FIELDS, "updated_at", "pdf_queued_at"])
        real_changes = [k for k in changes if before.get(k) != complete[k]]
        _record_revision(assessment=current, changed=real_changes, author=author)
        if render:
            from decider.exports.tasks import enqueue_pdf_render

            enqueue_pdf_render(str(current.pk))
    for name in (*_RESULT_FIELDS, "updated_at", "current_step"):
        setattr(assessment, name, getattr(current, name))
    return result


def parse_bases(data: Mapping[str, str], *, allowed: Iterable[str]) -> dict[str, Any]:
    """The values the user's page showed before editing (``base:<question>`` fields)."""
    known = questions()
    bases: dict[str, Any] = {}
    for qid in allowed:
        raw = data.get(f"base:{qid}")
        if raw is None:
            continue
        try:
            bases[qid] = coerce_value(known[qid], raw)
        except AnswersError:
            continue  # a tampered base only loses the conflict check for that field
    return bases


def check_answers(
    *, base: Mapping[str, Any], changes: Mapping[str, str | int], errors: list[FieldError]
) -> list[FieldError]:
    """Every problem at once: the parse errors so far plus what validation finds in the rest."""
    failed = {e.field for e in errors}
    try:
        validate_answers({**base, **changes})
    except AnswersError as exc:
        return errors + [e for e in exc.errors if e.field not in failed]
    return errors


def remember_step(*, assessment: Assessment, step: str) -> None:
    """Note where the user is, so that coming back resumes there."""
    if assessment.current_step != step:
        assessment.current_step = step
        Assessment.objects.filter(pk=assessment.pk).update(current_step=step)


def assess_answers(answers: Mapping[str, Any]) -> Result:
    """The engine's result for answers from the database or a what-if form."""
    return default_engine().assess_valid(validate_answers(dict(answers)))


# ---------------------------------------------------------------------- saved assessments

SORTS = {
    "updated": ("-updated_at",),
    "oldest": ("updated_at",),
    "title": ("title_key", "-updated_at"),
    "confidence": ("-confidence", "-updated_at"),
    "recommendation": ("recommendation", "-updated_at"),
}


def team_assessments(
    *,
    team: Any,
    search: str = "",
    recommendation: str = "",
    stage: str = "",
    status: str = "",
    author: str = "",
    archived: bool = False,
    sort: str = "updated",
) -> Any:
    """A team's assessments, filtered and sorted; a lazy query for pagination.

    ``team`` is one team, or a query of teams (the API's "all my teams").
    """
    from django.db.models import QuerySet

    teams = {"team__in": team} if isinstance(team, QuerySet) else {"team": team}
    query = Assessment.objects.filter(**teams, archived_at__isnull=not archived)
    if search:
        query = query.filter(search_text__contains=search.casefold())
    if recommendation:
        query = query.filter(recommendation=recommendation)
    if stage:
        query = query.filter(stage=stage)
    if status:
        query = query.filter(status=status)
    if author.isdigit():
        query = query.filter(author_id=int(author))
    if sort == "title":
        # The title people see: the given one, else the use case; case ignored.
        query = query.annotate(
            title_key=Lower(
                Coalesce(
                    NullIf("name", Value("")), KT("answers__use_case"), output_field=TextField()
                )
            )
        )
    # A list shows titles, not answers: load the use case alone (for untitled ones), not the
    # whole answers document of every row.
    return (
        query.select_related("author")
        .defer("answers", "answered", "search_text", "visitor", "current_step")
        .annotate(use_case_text=KT("answers__use_case"))
        .order_by(*SORTS.get(sort, SORTS["updated"]))
    )


def team_assessments_for(*, team: Any, params: Mapping[str, str]) -> Any:
    """``team_assessments`` with the filters of a list page's query string (also the CSV's)."""
    return team_assessments(
        team=team,
        search=params.get("q", "").strip(),
        recommendation=params.get("recommendation", ""),
        stage=params.get("stage", ""),
        status=params.get("status", ""),
        author=params.get("author", ""),
        archived=params.get("archived") == "1",
        sort=params.get("sort", "updated"),
    )


def _next_version(assessment: Assessment) -> None:
    """Raise ``revision`` by one in the database (atomic, whoever else saves) and here.

    ``revision`` is the assessment's version: every change raises it (answers, title, status,
    archiving), so a client that read an older one (the API's PATCH) learns it is stale. Only
    changes of answers leave a ``Revision`` row, so the history can skip numbers.
    """
    Assessment.objects.filter(pk=assessment.pk).update(revision=F("revision") + 1)
    assessment.revision = Assessment.objects.values_list("revision", flat=True).get(
        pk=assessment.pk
    )


@transaction.atomic
def update_details(*, assessment: Assessment, name: str, status: str) -> None:
    assessment.name = name.strip()[:120]
    assessment.status = status
    assessment.refresh_search_text()
    assessment.save(update_fields=["name", "status", "search_text", "updated_at"])
    _next_version(assessment)
    _queue_pdf_renders(assessment)


@transaction.atomic
def duplicate_assessment(*, assessment: Assessment, author: Any, visitor: str) -> Assessment:
    """A new scenario starting from the same answers, in the same team (or browser)."""
    copy = start_assessment(
        visitor=visitor,
        answers=assessment.answers,
        team=assessment.team,
        author=author,
        name=f"Copy of {assessment.title}"[:120],
    )
    copy.answered = list(assessment.answered)
    copy.save(update_fields=["answered"])
    return copy


@transaction.atomic
def set_archived(*, assessment: Assessment, archived: bool) -> None:
    assessment.archived_at = timezone.now() if archived else None
    assessment.save(update_fields=["archived_at", "updated_at"])
    _next_version(assessment)


def revisions(*, assessment: Assessment) -> list[Revision]:
    return list(assessment.revisions.select_related("author").order_by("-number"))
