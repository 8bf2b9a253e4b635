"""The JSON API, version 1 (``/api/v1/``), built with django-ninja.

Routes are thin, like the web views: they check who is calling (``auth``), count the request
against its rate limit, and call the same services as the web app, so the API and the pages
cannot drift apart. Access follows the web app's rules: team members read, owners and editors
write, everyone else gets 404 (an id reveals nothing).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Query, Router, Status, Swagger
from ninja.errors import ValidationError, ValidationErrorContext
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from pydantic import BaseModel, Field

from decider.accounts.forms import client_address
from decider.accounts.models import Membership, Team, User
from decider.assessments import services
from decider.assessments.comparison import (
    MAX_ITEMS,
    MIN_ITEMS,
    CompareItem,
    ComparisonError,
    compare_answers,
)
from decider.assessments.models import Assessment, Revision
from decider.engine import (
    AnswersError,
    FieldError,
    default_engine,
    load_questionnaire,
    validate_answers,
)
from decider.engine.labels import labels
from decider.exports.exchange import (
    MAX_IMPORT_BYTES,
    ImportRefused,
    export_assessment,
    import_assessment,
    parse_import_bytes,
)
from decider.exports.views import decision_record_response, pdf_response

from . import errors, ratelimit, schemas
from .auth import Caller, member_auth, optional_token
from .errors import ApiError

MAX_BATCH = 100
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
ERRORS = {
    400: schemas.ErrorBody,
    401: schemas.ErrorBody,
    403: schemas.ErrorBody,
    404: schemas.ErrorBody,
    413: schemas.ErrorBody,
    422: schemas.ErrorBody,
    429: schemas.ErrorBody,
}


def json_number(text: str) -> int | float:
    """A JSON number written with a fraction or exponent: a whole one is an int.

    JSON has one kind of number, and JSON Schema counts ``3.0`` as the integer 3, so a client
    whose numbers are all doubles must not be refused where the document says integer. Only
    the JSON spelling is forgiven: the string ``"3"`` is still not 3.
    """
    value = float(text)
    return int(value) if value.is_integer() else value


ERROR_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to sign in with: `Bearer`.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds until the next request is counted again.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


class JsonParser(Parser):
    """JSON bodies, refused whole when not JSON (the size is checked earlier, by
    ``ApiBodyLimitMiddleware``)."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            return json.loads(request.body, parse_float=json_number)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError(
                422, "The request body is not valid JSON.", [("body", "not JSON")]
            ) from None
        except RecursionError:
            raise ApiError(
                422, "The request body is nested too deeply.", [("body", "too deep")]
            ) from None
        except ValueError:  # an integer of more than 4300 digits, which Python will not read
            raise ApiError(
                422, "The request body has a number too long to read.", [("body", "too long")]
            ) from None


class DeciderAPI(NinjaAPI):
    """ninja's API, keeping each refused value so error messages can say what was sent."""

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        found: list[dict[str, Any]] = []
        for context in error_contexts:
            model: Any = context.model
            for error in context.pydantic_validation_error.errors(
                include_url=False, include_context=False
            ):
                loc = model.__ninja_flatten_map_reverse__.get(error["loc"], error["loc"])
                found.append({**error, "loc": (model.__ninja_param_source__, *loc)})
        return ValidationError(found)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """The document, with the headers every 401 and 429 carries (see ``errors``)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, headers in ERROR_HEADERS.items():
                    if status in operation["responses"]:
                        operation["responses"][status].setdefault("headers", {}).update(headers)
        return schema


api = DeciderAPI(
    title="Decider API",
    version="1",
    description=(
        "Assess whether an AI feature should run on an open, a closed or a hybrid model "
        "setup, and manage your teams' assessments. Authenticate with a personal API token "
        "(`Authorization: Bearer dcd_...`, made on the web app's API tokens page); from a "
        "signed-in browser, the session works too, with the CSRF token on writes. Every error "
        "has the same JSON shape and names each bad field. A walk-through with curl is in "
        "docs/API.md in the source repository."
    ),
    urls_namespace="api-v1",
    parser=JsonParser(),
    # Swagger UI's deep links put a link inside each operation's toggle button (a nested
    # control that screen readers and axe refuse); templates/ninja/swagger.html serves the page.
    docs=Swagger(
        settings={"persistAuthorization": False, "tryItOutEnabled": False, "deepLinking": False}
    ),
    docs_url="/docs",
)
errors.install(api)

public = Router(tags=["Questionnaire and assessment"])
team_router = Router(tags=["Teams and assessments"], auth=member_auth)


# ---------------------------------------------------------------------- helpers


def caller(request: HttpRequest) -> Caller:
    auth = request.auth  # type: ignore[attr-defined]
    assert isinstance(auth, Caller)
    return auth


def count(request: HttpRequest, kind: str) -> None:
    """Count this request against the caller's limit for ``kind`` (assess or write)."""
    auth = getattr(request, "auth", None)
    who = auth.bucket if isinstance(auth, Caller) else f"addr:{client_address(request)}"
    ratelimit.hit(kind=kind, who=who)


def person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": str(user), "email": user.email}


def summary(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.id,
        "team": assessment.team.slug if assessment.team else "",
        "title": assessment.title,
        "name": assessment.name,
        "status": assessment.status,
        "archived": assessment.archived_at is not None,
        "recommendation": assessment.recommendation,
        "confidence": assessment.confidence,
        "stage": assessment.stage,
        "revision": assessment.revision,
        "author": person(assessment.author),
        "created_at": assessment.created_at,
        "updated_at": assessment.updated_at,
        "url": request.build_absolute_uri(reverse("assessment_report", args=[assessment.id])),
    }


def detail(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    return {
        **summary(request, assessment),
        "answers": assessment.answers,
        "answered": assessment.answered,
        "result": services.assess_answers(assessment.answers),
    }


def get_assessment(request: HttpRequest, assessment_id: UUID, *, write: bool = False) -> Assessment:
    """The one access check of the API: 404 unless a member of its team, 403 for viewers
    writing. Work started in a browser before signing in is not reachable through the API."""
    user = caller(request).user
    roles = Membership.objects.filter(team_id=OuterRef("team_id"), user_id=user.pk)
    assessment = (
        Assessment.objects.select_related("team", "author")
        .annotate(caller_role=Subquery(roles.values("role")[:1]))  # in the same query
        .filter(id=assessment_id)
        .first()
    )
    role = getattr(assessment, "caller_role", None)
    if assessment is None or role is None:
        raise Http404("No such assessment, or it is not in one of your teams.")
    if write and not Membership(role=role).can_edit:
        raise PermissionDenied("Viewers can read this team's assessments but not change them.")
    return assessment


def get_team(request: HttpRequest, slug: str, *, write: bool = False) -> Membership:
    member = None
    if "\x00" not in slug:  # no slug holds a NUL, and PostgreSQL refuses one in a query
        member = (
            Membership.objects.select_related("team")
            .filter(team__slug=slug, user=caller(request).user)
            .first()
        )
    if member is None:
        raise ApiError(404, f"No team '{slug[:60]}' among your teams.", [("team", "unknown")])
    if write and not member.can_edit:
        raise PermissionDenied("Viewers cannot add assessments to this team.")
    return member


# ---------------------------------------------------------------------- public routes


@public.get("/questionnaire", response=schemas.QuestionnaireOut, auth=None)
def questionnaire(request: HttpRequest) -> dict[str, Any]:
    """Every section and question: ids, kinds, allowed values, ranges, defaults and wording."""
    words = labels()
    contract = load_questionnaire()
    sections = []
    for section in contract.sections:
        section_words = words.sections[section.id]
        items = []
        for question in section.questions:
            q_words = words.question(question.id)
            items.append(
                {
                    "id": question.id,
                    "kind": question.kind,
                    "label": q_words.label,
                    "help": q_words.help,
                    "default": question.default,
                    "required": question.required,
                    "ordered": question.ordered,
                    "choices": [
                        {
                            "value": value,
                            "label": q_words.choices[value].label,
                            "hint": q_words.choices[value].hint,
                        }
                        for value in question.choices
                    ],
                    "minimum": question.minimum,
                    "maximum": question.maximum,
                    "max_length": question.max_length,
                    "unit": q_words.unit,
                }
            )
        sections.append(
            {
                "id": section.id,
                "title": section_words.title,
                "intro": section_words.intro,
                "questions": items,
            }
        )
    return {"version": contract.version, "sections": sections, "defaults": contract.defaults()}


@public.post(
    "/assess",
    response={200: schemas.Result, **ERRORS},
    auth=optional_token,
    # The token is optional: an empty requirement next to it says so in the document.
    openapi_extra={"security": [{}]},
    summary="Assess answers (nothing is stored)",
)
def assess(request: HttpRequest, payload: schemas.Answers) -> dict[str, Any]:  # type: ignore[valid-type]
    """Answers in, the engine's result out. Questions left out take their defaults.

    Counted against the assess rate limit: per token when one is sent, else per address.
    """
    count(request, "assess")
    return default_engine().assess_valid(payload.model_dump())  # type: ignore[attr-defined]


class Batch(BaseModel):
    items: list[schemas.Answers] = Field(  # type: ignore[valid-type]
        min_length=1, max_length=MAX_BATCH, description=f"1 to {MAX_BATCH} answers objects."
    )


class BatchOut(BaseModel):
    results: list[schemas.Result]


@public.post(
    "/assess/batch",
    response={200: BatchOut, **ERRORS},
    auth=optional_token,
    openapi_extra={"security": [{}]},
    summary="Assess many sets of answers at once",
)
def assess_batch(request: HttpRequest, payload: Batch) -> dict[str, Any]:
    """Up to 100 answers objects; results in the same order. One bad item refuses the batch,
    each problem named with its index (``items.3.monthly_requests``)."""
    count(request, "assess")
    engine = default_engine()
    items: list[Any] = payload.items
    return {"results": [engine.assess_valid(item.model_dump()) for item in items]}


# ---------------------------------------------------------------------- caller and teams


def teams_of(user: User) -> list[dict[str, Any]]:
    members = Membership.objects.filter(user=user).select_related("team")
    ordered = sorted(members, key=lambda m: (not m.team.personal, m.team.name.casefold()))
    return [
        {"slug": m.team.slug, "name": m.team.name, "personal": m.team.personal, "role": m.role}
        for m in ordered
    ]


@team_router.get(
    "/me", response={200: schemas.WhoAmI, 401: schemas.ErrorBody}, tags=["Your account"]
)
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the API sees: your account, how you signed in, and your teams with your role."""
    who = caller(request)
    return {
        "user": person(who.user),
        "via": who.via,
        "token_name": who.token.name if who.token else None,
        "token_expires_at": who.token.expires_at if who.token else None,
        "teams": teams_of(who.user),
    }


@team_router.get("/teams", response={200: list[schemas.TeamOut], 401: schemas.ErrorBody})
def teams(request: HttpRequest) -> list[dict[str, Any]]:
    """Your teams (your personal space first) and your role in each."""
    return teams_of(caller(request).user)


# ---------------------------------------------------------------------- assessments


class ListFilters(BaseModel):
    team: str | None = Field(
        None, max_length=60, description="A team's slug; all yours if left out."
    )
    q: str = Field("", max_length=200, description="Words in the title or use case.")
    recommendation: schemas.Recommendation | None = None
    stage: str = Field("", max_length=20)
    status: schemas.StatusValue | None = None
    archived: bool = Field(False, description="List archived assessments instead.")
    sort: str = Field("updated", pattern="^(updated|oldest|title|confidence|recommendation)$")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


@team_router.get("/assessments", response={200: schemas.AssessmentPage, **ERRORS})
def list_assessments(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Your teams' assessments (or one team's), filtered, sorted and a page at a time."""
    user = caller(request).user
    if filters.team:
        team: Any = get_team(request, filters.team).team
    else:
        team = Team.objects.filter(memberships__user=user)
    query = services.team_assessments(
        team=team,
        search=filters.q.strip(),
        recommendation=filters.recommendation or "",
        stage=filters.stage,
        status=filters.status or "",
        archived=filters.archived,
        sort=filters.sort,
    ).select_related("team")
    if "\x00" in filters.q + filters.stage:
        # No stored text holds a NUL, and PostgreSQL refuses one in a query: nothing matches.
        query = query.none()
    total = query.count()
    pages = max(1, math.ceil(total / filters.page_size))
    start = (filters.page - 1) * filters.page_size
    items = list(query[start : start + filters.page_size]) if start < total else []
    return {
        "count": total,
        "page": filters.page,
        "pages": pages,
        "page_size": filters.page_size,
        "items": [summary(request, a) for a in items],
    }


@team_router.post("/assessments", response={201: schemas.AssessmentOut, **ERRORS})
def create_assessment(
    request: HttpRequest, payload: schemas.AssessmentCreate
) -> Status[dict[str, Any]]:
    """A new assessment in one of your teams (owner or editor), from the answers given."""
    count(request, "write")
    member = get_team(request, payload.team, write=True)
    answers = payload.answers.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    with transaction.atomic():
        assessment = services.start_assessment(
            visitor="api",
            answers=answers,
            team=member.team,
            author=caller(request).user,
            name=payload.name,
        )
        if payload.status != "draft":  # part of the first version, as an import's status is
            assessment.status = payload.status
            assessment.save(update_fields=["status"])
    assessment.team = member.team
    return Status(201, detail(request, assessment))


@team_router.get("/assessments/{assessment_id}", response={200: schemas.AssessmentOut, **ERRORS})
def read_assessment(request: HttpRequest, assessment_id: UUID) -> dict[str, Any]:
    """One assessment with its answers and its result under the current ruleset."""
    return detail(request, get_assessment(request, assessment_id))


@team_router.patch(
    "/assessments/{assessment_id}",
    response={200: schemas.AssessmentOut, 409: schemas.ConflictBody, **ERRORS},
)
def update_assessment(
    request: HttpRequest, assessment_id: UUID, payload: schemas.AssessmentUpdate
) -> dict[str, Any]:
    """Change answers, title or status, based on ``revision``: all of it, or nothing.

    If the assessment was saved since that revision (by anyone), nothing is saved and the
    answer is 409 with your change and the stored version, so you can decide and resend.
    """
    count(request, "write")
    assessment = get_assessment(request, assessment_id, write=True)
    given: Any = payload.answers
    changes: dict[str, Any] = given.model_dump(exclude_unset=True) if given is not None else {}
    with transaction.atomic():
        # Lock the assessment's row only: PostgreSQL refuses FOR UPDATE on the nullable side
        # of the outer joins that select_related makes for team and author.
        current = Assessment.objects.select_for_update(of=("self",)).select_related(
            "team", "author"
        )
        current_row = current.get(pk=assessment.pk)
        if current_row.revision != payload.revision:
            raise ApiError(
                409,
                f"The assessment was saved since revision {payload.revision} (it is now at "
                f"revision {current_row.revision}); nothing was saved. Compare both versions, "
                "then resend your change with the current revision.",
                [
                    (
                        "revision",
                        f"is {payload.revision}; the current revision is {current_row.revision}",
                    )
                ],
                extra={
                    "yours": payload.model_dump(exclude_unset=True, mode="json"),
                    # Encoded by the API's renderer, like every other response, so times
                    # read the same here as in a GET of the assessment.
                    "theirs": schemas.AssessmentOut.model_validate(
                        detail(request, current_row)
                    ).model_dump(),
                },
            )
        if changes:
            services.apply_answers(
                assessment=current_row, changes=changes, author=caller(request).user
            )
        if payload.name is not None or payload.status is not None:
            services.update_details(
                assessment=current_row,
                name=current_row.name if payload.name is None else payload.name,
                status=current_row.status if payload.status is None else payload.status,
            )
    current_row.refresh_from_db()
    return detail(request, current_row)


@team_router.post(
    "/assessments/{assessment_id}/archive", response={200: schemas.AssessmentOut, **ERRORS}
)
def archive(request: HttpRequest, assessment_id: UUID) -> dict[str, Any]:
    """Archive: hidden from the team's list (``archived=true`` lists it), kept whole."""
    count(request, "write")
    assessment = get_assessment(request, assessment_id, write=True)
    services.set_archived(assessment=assessment, archived=True)
    return detail(request, assessment)


@team_router.post(
    "/assessments/{assessment_id}/restore", response={200: schemas.AssessmentOut, **ERRORS}
)
def restore(request: HttpRequest, assessment_id: UUID) -> dict[str, Any]:
    """Bring an archived assessment back to the team's list."""
    count(request, "write")
    assessment = get_assessment(request, assessment_id, write=True)
    services.set_archived(assessment=assessment, archived=False)
    return detail(request, assessment)


@team_router.get(
    "/assessments/{assessment_id}/revisions",
    response={200: list[schemas.RevisionOut], **ERRORS},
)
def revisions(request: HttpRequest, assessment_id: UUID) -> list[dict[str, Any]]:
    """Every saved version, newest first (quick successive saves by one person are one)."""
    assessment = get_assessment(request, assessment_id)
    return [
        {
            "number": r.number,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
            "author": person(r.author),
            "changed": r.changed,
            "recommendation": r.recommendation,
            "confidence": r.confidence,
            "ruleset_version": r.ruleset_version,
            "answers": r.answers,
        }
        for r in services.revisions(assessment=assessment)
    ]


# An assessment id, or an id and a revision number: what the document promises, checked here.
COMPARE_ITEM = re.compile(
    r"([0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})(?:@([1-9][0-9]{0,9}))?"
)


class CompareQuery(BaseModel):
    # Required, so the document says so; the count, repeats and spelling are checked in
    # ``compare`` to name the bad item in the API's own words.
    item: list[str] = Field(
        description=(
            f"{MIN_ITEMS} to {MAX_ITEMS} different items: an assessment id, or an id and a "
            "revision number as `<id>@<number>`. Repeat the parameter for each item."
        ),
        json_schema_extra={
            "minItems": MIN_ITEMS,
            "maxItems": MAX_ITEMS,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": f"^{COMPARE_ITEM.pattern}$"},
        },
    )


def _compare_item(request: HttpRequest, ref: str, index: int) -> CompareItem:
    field = f"item.{index}"
    found = COMPARE_ITEM.fullmatch(ref)
    if found is None:
        raise ApiError(
            422,
            "An item is not an assessment id (or an id@revision).",
            [(field, "not an assessment id")],
        )
    assessment = get_assessment(request, UUID(found[1]))
    number = found[2]
    if number is None:
        return CompareItem(label=assessment.title, answers=assessment.answers)
    revision = None
    if int(number) < 2**31:  # larger numbers exist in no revision (nor in the column)
        revision = Revision.objects.filter(assessment=assessment, number=int(number)).first()
    if revision is None:
        raise ApiError(
            404,
            f"Revision {number} of that assessment does not exist.",
            [(field, "no such revision")],
        )
    return CompareItem(label=f"{assessment.title} (revision {number})", answers=revision.answers)


@team_router.get("/compare", response={200: schemas.ComparisonOut, **ERRORS})
def compare(request: HttpRequest, query: Query[CompareQuery]) -> dict[str, Any]:
    """Two to four assessments or revisions side by side: results, the rules that weigh
    differently, the areas that moved, and the answers that differ."""
    refs = query.item
    if not MIN_ITEMS <= len(refs) <= MAX_ITEMS:
        raise ApiError(
            422,
            f"Give {MIN_ITEMS} to {MAX_ITEMS} different items to compare; {len(refs)} given.",
            [("item", f"{len(refs)} items; {MIN_ITEMS} to {MAX_ITEMS} allowed")],
        )
    if len(set(refs)) < len(refs):
        raise ApiError(422, "Give each item to compare once.", [("item", "an item is given twice")])
    items = [_compare_item(request, ref, i) for i, ref in enumerate(refs)]
    complete = [validate_answers(dict(item.answers)) for item in items]
    try:
        comparison = compare_answers(items)
    except ComparisonError as exc:
        raise ApiError(422, str(exc), [("item", str(exc))]) from None
    answer_rows = [row for section in comparison.sections for row in section.rows if row.differs]
    return {
        "verdict": comparison.verdict,
        "identical": comparison.identical,
        "items": [
            {
                "letter": item.letter,
                "ref": ref,
                "label": item.label,
                "recommendation": item.recommendation,
                "confidence": item.confidence,
                "scores": item.scores,
            }
            for item, ref in zip(comparison.items, refs, strict=True)
        ],
        "answers": [
            {
                "question": row.question,
                "label": row.label,
                "values": [answers[row.question] for answers in complete],
                "words": list(row.words),
            }
            for row in answer_rows
        ],
        "rules": [
            {
                "rule": r.rule,
                "label": r.label,
                "area": r.area,
                "favours": r.favours,
                "weights": list(r.weights),
                "spread": r.spread,
                "changed_inputs": list(r.changed_inputs),
            }
            for r in comparison.rules
        ],
        "areas": [
            {
                "area": a.area,
                "label": a.label,
                "nets": [cell.net for cell in a.cells],
                "spread": a.spread,
            }
            for a in comparison.areas
        ],
    }


# ---------------------------------------------------------------------- exports and import

PDF_RESPONSE = {
    "200": {
        "description": "The report as a PDF file.",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}
MARKDOWN_RESPONSE = {
    "200": {
        "description": "The decision record (MADR 4), as Markdown.",
        "content": {"text/markdown": {"schema": {"type": "string"}}},
    }
}


class PdfQuery(BaseModel):
    paper: str = Field("a4", pattern="^(a4|letter)$", description="a4 or letter")


@team_router.get(
    "/assessments/{assessment_id}/pdf",
    response={**ERRORS},
    openapi_extra={"responses": PDF_RESPONSE},
    summary="Download the report as a PDF",
)
def export_pdf(request: HttpRequest, assessment_id: UUID, query: Query[PdfQuery]) -> HttpResponse:
    """The same PDF as the web app's download (cached by content, rendered on a miss)."""
    return pdf_response(get_assessment(request, assessment_id), query.paper)


@team_router.get(
    "/assessments/{assessment_id}/decision-record",
    response={**ERRORS},
    openapi_extra={"responses": MARKDOWN_RESPONSE},
    summary="Download the decision record (Markdown)",
)
def export_decision_record(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """The same decision record as the web app's download."""
    return decision_record_response(get_assessment(request, assessment_id))


@team_router.get(
    "/assessments/{assessment_id}/export",
    response={200: dict[str, Any], **ERRORS},
    summary="Export as a JSON exchange file",
)
def export_json(request: HttpRequest, assessment_id: UUID) -> dict[str, Any]:
    """The exchange file the web app's JSON download gives; import it into any team."""
    return export_assessment(get_assessment(request, assessment_id))


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": "An exchange file, as the export endpoint gives it.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@team_router.post(
    "/teams/{slug}/import",
    response={201: schemas.AssessmentOut, **ERRORS},
    openapi_extra=IMPORT_BODY,
    summary="Import a JSON exchange file as a new assessment",
)
def import_file(request: HttpRequest, slug: str) -> Status[dict[str, Any]]:
    """All or nothing: every problem in the file is named, and nothing is stored unless the
    whole file is valid. The file's result is ignored and recomputed."""
    count(request, "write")
    member = get_team(request, slug[:60], write=True)
    if len(request.body) > MAX_IMPORT_BYTES:
        raise ApiError(413, f"The file is larger than the limit of {MAX_IMPORT_BYTES} bytes.")
    try:
        imported = parse_import_bytes(request.body)
    except ImportRefused as refused:
        problems = [tuple(m.split(": ", 1)) if ": " in m else ("file", m) for m in refused.messages]
        raise ApiError(422, "The file cannot be imported; see errors.", problems) from None  # type: ignore[arg-type]
    except ValueError:  # an integer of more than 4300 digits, which Python will not read
        raise ApiError(
            422, "The file has a number too long to read.", [("file", "a number too long")]
        ) from None
    assessment = import_assessment(
        imported=imported, team=member.team, author=caller(request).user, visitor="api"
    )
    assessment.team = member.team
    return Status(201, detail(request, assessment))


api.add_router("/", public)
api.add_router("/", team_router)

__all__ = ["AnswersError", "FieldError", "api"]
