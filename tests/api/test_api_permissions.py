"""Who may call what in the JSON API: the access matrix, in the spirit of tests/test_permissions.

Five actors meet every route: the team's owner, editor and viewer, a signed-in outsider (with
a token of their own), and someone with no token. Owners and editors read and write; viewers
read, and every write answers 403 with nothing stored; outsiders get 404 for anything about
the team or its assessments, so an id or a slug confirms nothing; without a token, member
routes answer 401 and public routes (the questionnaire, assess) work.

Adding a route is one entry in ``ROUTES``; a test fails if a route of the API is missing.
Then: the states a token can be in, the browser session with its CSRF check, and the holes a
session cookie must not open on public routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from decider.accounts.services import create_team
from decider.api.api import api
from decider.api.models import ApiToken, RateCounter
from decider.api.tokens import revoke_token
from decider.assessments.models import Assessment
from decider.assessments.services import start_assessment
from decider.exports.exchange import export_assessment

from .conftest import (
    ACTORS,
    MEMBERS,
    Api,
    World,
    as_json,
    assert_error,
    make_assessment,
    stored,
    token_for,
)

pytestmark = pytest.mark.django_db

PUBLIC = "public"  # anyone, with a token or without
SELF = "self"  # anyone signed in, about themselves
READ = "read"  # the team's members
WRITE = "write"  # the team's owners and editors

ALLOWED = {
    PUBLIC: set(ACTORS),
    SELF: {*MEMBERS, "outsider"},
    READ: set(MEMBERS),
    WRITE: {"owner", "editor"},
}

Fill = Callable[[World], Any]


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # as the API declares it, e.g. "/assessments/{assessment_id}"
    kind: str
    status: int  # what an allowed caller gets
    query: Fill | None = None
    body: Fill | None = None

    def url(self, world: World) -> str:
        return self.path.format(assessment_id=world.assessment.id, slug=world.team.slug)

    @property
    def writes(self) -> bool:
        """Whether an allowed call changes what is stored (assess computes, it keeps nothing)."""
        return self.kind == WRITE


def team_filter(world: World) -> dict[str, str]:
    return {"team": world.team.slug}


def two_items(world: World) -> dict[str, list[str]]:
    ident = str(world.assessment.id)
    return {"item": [ident, f"{ident}@1"]}


def new_assessment(world: World) -> dict[str, Any]:
    return {"team": world.team.slug, "answers": {"stage": "core_product"}}


def exchange_file(world: World) -> Any:
    return as_json(export_assessment(world.assessment))


ROUTES = [
    # name, method, path, who may, status when allowed, query, body
    Route("questionnaire", "get", "/questionnaire", PUBLIC, 200),
    Route("assess", "post", "/assess", PUBLIC, 200, body=lambda w: {"stage": "pilot"}),
    Route("assess-batch", "post", "/assess/batch", PUBLIC, 200, body=lambda w: {"items": [{}]}),
    Route("me", "get", "/me", SELF, 200),
    Route("teams", "get", "/teams", SELF, 200),
    Route("list", "get", "/assessments", READ, 200, query=team_filter),
    Route("create", "post", "/assessments", WRITE, 201, body=new_assessment),
    Route("read", "get", "/assessments/{assessment_id}", READ, 200),
    Route(
        "update",
        "patch",
        "/assessments/{assessment_id}",
        WRITE,
        200,
        body=lambda w: {"revision": 1, "name": "Renamed", "answers": {"stage": "pilot"}},
    ),
    Route("archive", "post", "/assessments/{assessment_id}/archive", WRITE, 200),
    Route("restore", "post", "/assessments/{assessment_id}/restore", WRITE, 200),
    Route("revisions", "get", "/assessments/{assessment_id}/revisions", READ, 200),
    Route("compare", "get", "/compare", READ, 200, query=two_items),
    Route("pdf", "get", "/assessments/{assessment_id}/pdf", READ, 200),
    Route("decision-record", "get", "/assessments/{assessment_id}/decision-record", READ, 200),
    Route("export", "get", "/assessments/{assessment_id}/export", READ, 200),
    Route("import", "post", "/teams/{slug}/import", WRITE, 201, body=exchange_file),
]
WRITES = [r for r in ROUTES if r.kind == WRITE]
MEMBER_ROUTES = [r for r in ROUTES if r.kind != PUBLIC]
TEAM_ROUTES = [r for r in ROUTES if r.kind in (READ, WRITE)]


def route_id(route: Route) -> str:
    return route.name


def call(client: Api, route: Route, world: World, **headers: str) -> Any:
    if route.method == "get":
        return client.get(route.url(world), route.query(world) if route.query else None, **headers)
    return client.send(
        route.method, route.url(world), route.body(world) if route.body else None, **headers
    )


def pairs(*, allowed: bool) -> list[Any]:
    return [
        pytest.param(route, actor, id=f"{route.name}-{actor}")
        for route in ROUTES
        for actor in ACTORS
        if (actor in ALLOWED[route.kind]) == allowed
    ]


# ---------------------------------------------------------------------- the matrix


def test_the_matrix_covers_every_route_of_the_api() -> None:
    """A new route must join ``ROUTES`` (and so get its permission tests) to pass."""
    schema = api.get_openapi_schema(path_prefix="")
    declared = {
        (method.lower(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    }

    tabled = {(route.method, route.path) for route in ROUTES}

    assert declared - tabled == set(), "routes missing from ROUTES"
    assert tabled - declared == set(), "ROUTES lists routes the API does not have"
    assert len({route.name for route in ROUTES}) == len(ROUTES)


def test_the_matrix_uses_every_kind() -> None:
    assert {route.kind for route in ROUTES} == set(ALLOWED)


@pytest.mark.parametrize(("route", "actor"), pairs(allowed=True))
def test_allowed_caller_gets_the_routes_answer(world: World, route: Route, actor: str) -> None:
    before = stored()

    response = call(world.api(actor), route, world)

    assert response.status_code == route.status, response.content[:300]
    assert (stored() != before) == route.writes


@pytest.mark.parametrize("route", WRITES, ids=route_id)
def test_viewer_writing_gets_403_and_nothing_is_stored(world: World, route: Route) -> None:
    before = stored()

    response = call(world.api("viewer"), route, world)

    assert_error(response, 403)
    assert stored() == before


@pytest.mark.parametrize("route", TEAM_ROUTES, ids=route_id)
def test_outsider_gets_404_and_nothing_is_stored(world: World, route: Route) -> None:
    before = stored()

    response = call(world.api("outsider"), route, world)

    assert_error(response, 404)
    assert stored() == before


@pytest.mark.parametrize("route", MEMBER_ROUTES, ids=route_id)
def test_anonymous_gets_401_and_nothing_is_stored(world: World, route: Route) -> None:
    before = stored()

    response = call(Api(), route, world)

    assert_error(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="decider"'
    assert stored() == before


def test_refused_callers_cover_every_actor_not_allowed() -> None:
    """Each refused (route, actor) pair above is exactly one of the three refusal tests."""
    refused = {(route.name, actor) for route in ROUTES for actor in ACTORS}
    refused -= {(route.name, actor) for route in ROUTES for actor in ALLOWED[route.kind]}
    tested = {(r.name, "viewer") for r in WRITES}
    tested |= {(r.name, "outsider") for r in TEAM_ROUTES}
    tested |= {(r.name, "anonymous") for r in MEMBER_ROUTES}

    assert tested == refused


def test_self_routes_show_an_outsider_only_their_own_things(world: World) -> None:
    me = world.api("outsider").get("/me").json()
    teams = world.api("outsider").get("/teams").json()

    assert me["user"]["email"] == "outsider@example.com"
    assert world.team.slug not in {t["slug"] for t in [*me["teams"], *teams]}


# ---------------------------------------------------------------------- ids from elsewhere


def elsewhere(world: World) -> Assessment:
    """The outsider's own team work, out of reach of the team's members."""
    outsider = world.users["outsider"]
    return make_assessment(create_team(name="Elsewhere", owner=outsider), outsider, stage="pilot")


ASSESSMENT_ROUTES = [r for r in ROUTES if "{assessment_id}" in r.path]


@pytest.mark.parametrize("route", ASSESSMENT_ROUTES, ids=route_id)
def test_an_assessment_of_another_team_is_404_even_for_an_owner(world: World, route: Route) -> None:
    theirs = elsewhere(world)
    before = stored()
    target = World(team=world.team, users=world.users, tokens=world.tokens, assessment=theirs)

    response = call(world.api("owner"), route, target)

    assert_error(response, 404)
    assert stored() == before


@pytest.mark.parametrize("route", ASSESSMENT_ROUTES, ids=route_id)
def test_work_kept_in_a_browser_is_not_reachable_through_the_api(
    world: World, route: Route
) -> None:
    """Assessments started before signing in belong to that browser, not to any API caller."""
    browser_work = start_assessment(visitor="v-some-browser", answers={"stage": "pilot"})
    target = World(team=world.team, users=world.users, tokens=world.tokens, assessment=browser_work)
    before = stored()

    response = call(world.api("owner"), route, target)

    assert_error(response, 404)
    assert stored() == before


def test_listing_all_teams_never_includes_another_teams_work(world: World) -> None:
    theirs = elsewhere(world)

    data = world.api("owner").get("/assessments", {"page_size": 100}).json()

    assert str(theirs.id) not in {item["id"] for item in data["items"]}
    assert str(world.assessment.id) in {item["id"] for item in data["items"]}


def test_comparing_with_work_from_another_team_is_404(world: World) -> None:
    response = world.api("owner").get(
        "/compare", {"item": [str(world.assessment.id), str(elsewhere(world).id)]}
    )

    assert_error(response, 404)


def test_an_outsider_cannot_import_into_the_team(world: World) -> None:
    before = stored()

    response = world.api("outsider").post(f"/teams/{world.team.slug}/import", exchange_file(world))

    assert_error(response, 404, "team")
    assert stored() == before


# ---------------------------------------------------------------------- token states


def owners_token(world: World) -> ApiToken:
    return ApiToken.objects.get(user=world.users["owner"])


def test_a_revoked_token_is_401(world: World) -> None:
    revoke_token(owners_token(world))

    assert_error(world.api("owner").get("/me"), 401)
    assert_error(world.api("owner").post("/assess", {}), 401)


def test_an_expired_token_is_401(world: World) -> None:
    ApiToken.objects.filter(pk=owners_token(world).pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert_error(world.api("owner").get("/me"), 401)
    assert_error(world.api("owner").get(f"/assessments/{world.assessment.id}"), 401)


def test_a_token_still_in_its_time_works(world: World) -> None:
    ApiToken.objects.filter(pk=owners_token(world).pk).update(
        expires_at=timezone.now() + timedelta(minutes=1)
    )

    assert world.api("owner").get("/me").status_code == 200


def test_a_token_that_never_expires_works(world: World) -> None:
    secret = token_for(world.users["editor"], expiry="never")

    data = Api(secret).get("/me").json()

    assert (data["user"]["email"], data["token_expires_at"]) == ("editor@example.com", None)


def test_the_token_of_an_inactive_user_is_401(world: World) -> None:
    owner = world.users["owner"]
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    before = stored()

    assert_error(world.api("owner").get("/me"), 401)
    assert_error(world.api("owner").patch(f"/assessments/{world.assessment.id}", {}), 401)
    assert stored() == before


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Basic b3duZXI6cGFzc3dvcmQ=",
        "Token {token}",
        "{token}",
        "Bearer {token}x",
        "Bearer dcd_not-a-real-token",
        "Bearer not-even-the-prefix",
        "Bearer dcd_" + "x" * 300,
        "Bearer {token} {token}",
    ],
    ids=[
        "no-token",
        "empty-token",
        "basic",
        "other-scheme",
        "no-scheme",
        "altered",
        "unknown",
        "no-prefix",
        "too-long",
        "twice",
    ],
)
def test_a_malformed_authorization_header_is_401(world: World, header: str) -> None:
    client = Api()
    value = header.format(token=world.tokens["owner"])
    before = stored()

    reads = client.get("/me", Authorization=value)
    writes = client.post("/assessments", {"team": world.team.slug}, Authorization=value)
    public = client.post("/assess", {}, Authorization=value)

    for response in (reads, writes, public):
        assert_error(response, 401)
    assert stored() == before


def test_the_bearer_scheme_is_case_insensitive(world: World) -> None:
    response = Api().get("/me", Authorization=f"bearer {world.tokens['owner']}")

    assert response.status_code == 200


def test_the_tokens_last_use_is_noted_at_most_once_a_minute(world: World) -> None:
    token = owners_token(world)
    assert token.last_used_at is None
    api_client = world.api("owner")

    api_client.get("/me")
    token.refresh_from_db()
    first = token.last_used_at
    api_client.get("/teams")
    token.refresh_from_db()

    assert first is not None
    assert abs(timezone.now() - first) < timedelta(seconds=10)
    assert token.last_used_at == first  # within the minute: not written again

    a_while_ago = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=a_while_ago)
    api_client.get("/me")
    token.refresh_from_db()

    assert token.last_used_at is not None
    assert token.last_used_at > a_while_ago + timedelta(minutes=1)


def test_a_refused_token_is_not_marked_as_used(world: World) -> None:
    token = owners_token(world)
    revoke_token(token)

    world.api("owner").get("/me")

    token.refresh_from_db()
    assert token.last_used_at is None


def test_a_public_route_notes_the_tokens_use_too(world: World) -> None:
    world.api("owner").post("/assess", {})

    assert owners_token(world).last_used_at is not None


# ---------------------------------------------------------------------- the browser session


def session_client(world: World, actor: str) -> Client:
    """A signed-in browser that enforces CSRF as a real one would."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[actor])
    return client


def csrf_token(client: Client) -> str:
    """The CSRF token the web app gives a signed-in page, as its JavaScript would send it."""
    client.get("/")
    token: str = client.cookies["csrftoken"].value
    assert token
    return token


READS = [r for r in ROUTES if r.kind in (READ, SELF)]


@pytest.mark.parametrize("route", READS, ids=route_id)
def test_a_signed_in_browser_session_can_read(world: World, route: Route) -> None:
    response = call(Api(client=session_client(world, "viewer")), route, world)

    assert response.status_code == route.status, response.content[:300]


@pytest.mark.parametrize("route", WRITES, ids=route_id)
def test_a_session_write_without_the_csrf_token_is_403_and_stores_nothing(
    world: World, route: Route
) -> None:
    before = stored()

    response = call(Api(client=session_client(world, "owner")), route, world)

    data = assert_error(response, 403)
    assert "CSRF" in data["message"]
    assert stored() == before


@pytest.mark.parametrize("route", WRITES, ids=route_id)
def test_a_session_write_with_the_csrf_token_works(world: World, route: Route) -> None:
    client = session_client(world, "editor")
    token = csrf_token(client)
    before = stored()

    response = call(Api(client=client), route, world, **{"X-CSRFToken": token})

    assert response.status_code == route.status, response.content[:300]
    assert stored() != before


def test_a_session_write_with_a_wrong_csrf_token_is_403(world: World) -> None:
    client = session_client(world, "owner")
    csrf_token(client)
    before = stored()

    response = Api(client=client).post(
        "/assessments", {"team": world.team.slug}, **{"X-CSRFToken": "x" * 32}
    )

    assert_error(response, 403)
    assert stored() == before


def test_a_session_keeps_the_members_role(world: World) -> None:
    """The session is no way around the matrix: a viewer's browser still cannot write."""
    client = session_client(world, "viewer")
    token = csrf_token(client)
    before = stored()

    response = Api(client=client).post(
        f"/assessments/{world.assessment.id}/archive", **{"X-CSRFToken": token}
    )

    assert_error(response, 403)
    assert stored() == before


def test_an_outsiders_session_gets_404(world: World) -> None:
    response = Api(client=session_client(world, "outsider")).get(
        f"/assessments/{world.assessment.id}"
    )

    assert_error(response, 404)


def test_a_session_that_signed_out_is_401(world: World) -> None:
    client = session_client(world, "owner")
    client.logout()

    assert_error(Api(client=client).get("/me"), 401)


# ---------------------------------------------------------------------- CSRF holes


def test_a_token_request_needs_no_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    before = Assessment.objects.count()

    response = Api(world.tokens["editor"], client=client).post(
        "/assessments", {"team": world.team.slug}
    )

    assert response.status_code == 201
    assert Assessment.objects.count() == before + 1


def test_a_token_request_from_a_signed_in_browser_needs_no_csrf_token(world: World) -> None:
    """The token decides who calls; the session cookie riding along changes nothing."""
    client = session_client(world, "viewer")

    response = Api(world.tokens["editor"], client=client).post(
        "/assessments", {"team": world.team.slug}
    )

    assert response.status_code == 201
    assert response.json()["author"]["email"] == "editor@example.com"


def test_a_public_route_with_only_a_session_cookie_is_anonymous(world: World) -> None:
    """A forged cross-site POST carries the session cookie but no CSRF token: /assess works,
    as it does for anyone, and counts against the address, never against the signed-in user."""
    owner = world.users["owner"]
    client = session_client(world, "owner")

    response = Api(client=client, address="203.0.113.9").post("/assess", {"stage": "pilot"})

    assert response.status_code == 200
    buckets = set(RateCounter.objects.values_list("bucket", flat=True))
    assert buckets == {"assess:addr:203.0.113.9"}
    assert f"assess:user:{owner.pk}" not in buckets


def test_a_session_write_is_counted_per_user(world: World) -> None:
    client = session_client(world, "editor")
    token = csrf_token(client)

    response = Api(client=client).post(
        "/assessments", {"team": world.team.slug}, **{"X-CSRFToken": token}
    )

    assert response.status_code == 201
    buckets = set(RateCounter.objects.values_list("bucket", flat=True))
    assert buckets == {f"write:user:{world.users['editor'].pk}"}


def test_a_token_call_is_counted_per_token(world: World) -> None:
    world.api("editor").post("/assess", {})
    world.api("editor").post("/assessments", {"team": world.team.slug})

    token = ApiToken.objects.get(user=world.users["editor"])
    buckets = set(RateCounter.objects.values_list("bucket", flat=True))
    assert buckets == {f"assess:token:{token.pk}", f"write:token:{token.pk}"}
