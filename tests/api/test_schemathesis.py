"""The API against its own OpenAPI document, with Schemathesis, in the process.

Every operation of ``/api/v1/openapi.json`` gets generated requests, valid and invalid, sent
through the project's WSGI application with a real token of a user who owns a team with a few
assessments. Schemathesis's checks then ask: no server error, and every status code, content
type, documented header and body as the document says.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from decider.accounts.models import Membership, Role, User
from decider.accounts.services import create_team, create_user, personal_team
from decider.api.tokens import create_token
from decider.assessments.services import start_assessment
from decider.exports.exchange import export_assessment
from decider.wsgi import application

# Django's WSGI handler closes the database connection after each request, which a test
# transaction cannot survive on PostgreSQL: each request commits, as in production, and the
# tables are emptied after each test instead.
pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = schemathesis.Config.from_dict(
    {
        "operations": [
            {
                # The document gives an exchange file only as "an object": its envelope and
                # answers are checked by the import shared with the web app, which refuses a
                # random object with 422, naming each field. Every other check still applies.
                "include-path": "/api/v1/teams/{slug}/import",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            }
        ]
    }
)
# Loaded when the module is collected: the document itself needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)

Case = schemathesis.Case[Any]

# Real ids, slugs and files of the running test's data, read while Hypothesis draws.
KNOWN: dict[str, list[Any]] = {}
# Where a real value may stand in for a generated one: (part of the request, key, kind of value).
REAL_SLOTS = [
    ("path_parameters", "assessment_id", "assessment_id"),
    ("path_parameters", "slug", "slug"),
    ("query", "item", "item"),
    ("query", "team", "slug"),
    ("body", "team", "slug"),
    ("body", "revision", "revision"),
]


def sometimes(value: Any, kind: str) -> st.SearchStrategy[Any]:
    """One of the real values of ``kind`` most of the time, else the generated one (which
    mostly names nothing, so it tests the refusals)."""
    real = KNOWN.get(kind)
    return st.sampled_from([*real, value]) if real else st.just(value)


def with_values(case: Case, chosen: dict[tuple[str, str], Any]) -> Case:
    for (part, key), shared in chosen.items():
        value = copy.deepcopy(shared)  # KNOWN's values serve every example
        if part == "body" and key == "":
            case.body = value
        else:
            setattr(case, part, {**getattr(case, part), key: value})
    return case


@schema.hook
def flatmap_case(context: Any, case: Case) -> st.SearchStrategy[Case]:
    """Valid requests name real assessments, teams and revisions most of the time, so the
    happy paths run too; invalid ones stay as generated, to test the refusals."""
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return st.just(case)
    slots: dict[tuple[str, str], st.SearchStrategy[Any]] = {}
    for part, key, kind in REAL_SLOTS:
        container = getattr(case, part)
        if isinstance(container, dict) and key in container:
            slots[(part, key)] = sometimes(container[key], kind)
    if case.operation.path.endswith("/import") and isinstance(case.body, dict):
        slots[("body", "")] = sometimes(case.body, "exchange_file")
    if not slots:
        return st.just(case)
    return st.fixed_dictionaries(slots).map(lambda chosen: with_values(case, chosen))


def make_user(email: str) -> User:
    return create_user(email=email, password="a long enough test password")


@pytest.fixture
def auth_headers(settings: Any) -> Iterator[dict[str, str]]:
    """A bearer token of a user who owns a team and a personal space and views a third team,
    each with an assessment; a fourth assessment, an outsider's, is out of their reach."""
    settings.DECIDER_API_RATE_LIMITS = {"assess": (0, 60), "write": (0, 60)}  # 0: no limit
    # Saves queue PDF renders; running them in the process would take most of the run.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    owner = make_user("owner@example.com")
    outsider = make_user("outsider@example.com")
    team = create_team(name="Platform", owner=owner)
    viewed = create_team(name="Legal", owner=outsider)
    Membership.objects.create(team=viewed, user=owner, role=Role.VIEWER)
    elsewhere = personal_team(outsider)
    assessments = [
        start_assessment(visitor="api", team=personal_team(owner), author=owner),
        start_assessment(
            visitor="api", team=team, author=owner, answers={"stage": "production"}, name="Chat"
        ),
        start_assessment(visitor="api", team=viewed, author=outsider),
        start_assessment(visitor="api", team=elsewhere, author=outsider),
    ]
    ids = [str(a.id) for a in assessments]
    KNOWN.update(
        assessment_id=ids,
        slug=[personal_team(owner).slug, team.slug, viewed.slug, elsewhere.slug],
        item=[[ids[0], ids[1]], [f"{ids[1]}@1", ids[0], ids[2]], [ids[0], f"{ids[3]}@1"]],
        revision=[1, 2],
        exchange_file=[export_assessment(assessments[1])],
    )
    _, secret = create_token(user=owner, name="schemathesis")
    yield {"Authorization": f"Bearer {secret}"}
    KNOWN.clear()


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    # The fixture's data is meant to be shared by every generated request of an operation;
    # drawing a whole answers object may be slow on a busy CI machine.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_openapi_document(case: Case, auth_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=auth_headers)


def test_rate_limited_response_conforms_to_the_document(
    settings: Any, auth_headers: dict[str, str]
) -> None:
    settings.DECIDER_API_RATE_LIMITS = {"assess": (1, 60), "write": (1, 60)}
    case = schema["/api/v1/assess"]["POST"].Case(body={"stage": "pilot"})
    assert case.call(headers=auth_headers).status_code == 200

    response = case.call(headers=auth_headers)

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response.headers["retry-after"][0]) >= 1
    case.validate_response(response, headers=auth_headers)


@pytest.mark.parametrize(
    ("operation", "parts", "status"),
    [
        ("GET /api/v1/assessments", {"query": {"q": "a\x00b"}}, 200),
        ("GET /api/v1/assessments", {"query": {"stage": "\x00"}}, 200),
        ("GET /api/v1/assessments", {"query": {"team": "\x00"}}, 404),
        ("POST /api/v1/assessments", {"body": {"team": "\x00"}}, 404),
        ("POST /api/v1/assessments", {"body": {"team": "platform", "name": "\x00"}}, 422),
        (
            "POST /api/v1/teams/{slug}/import",
            {"path_parameters": {"slug": "\x00"}, "body": {}},
            404,
        ),
    ],
    ids=["search", "stage", "team filter", "team", "title", "team slug"],
)
def test_text_with_a_nul_is_answered_without_a_server_error(
    operation: str, parts: dict[str, Any], status: int, auth_headers: dict[str, str]
) -> None:
    # PostgreSQL refuses a NUL in any text it compares or stores; the generated requests
    # rarely hold one.
    method, path = operation.split()
    case = schema[path][method].Case(**parts)

    response = case.call(headers=auth_headers)

    assert response.status_code == status
    case.validate_response(response, headers=auth_headers)
