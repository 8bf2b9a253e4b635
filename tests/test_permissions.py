"""Who may do what with a team's assessments and its pages: the permission matrix.

Five actors meet every view that takes a team assessment or a team: the team's owner, editor
and viewer, a signed-in outsider, and someone not signed in. Owners and editors read and
write; viewers read, and every write answers 403 with nothing stored; outsiders get 404, so an
id or a slug confirms nothing; people not signed in are sent to sign in (an HX-Redirect for
htmx requests) and see nothing. Owner-only team actions answer 403 to editors and viewers.

Work kept in a browser before signing in belongs to that browser alone: it can do everything
with it, any other browser and any signed-in stranger get 404. A share link shows its report
to anyone until it is revoked or expires.

Adding a view is one entry in ``VIEWS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from decider.accounts.models import Invitation, Membership, Role, Team, User
from decider.accounts.services import create_team, create_user
from decider.assessments.models import Assessment, Revision
from decider.assessments.services import start_assessment
from decider.sharing.models import ShareLink
from decider.sharing.services import create_link, revoke
from tests.factories import as_visitor
from tests.markup import Page

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough test password"
BROWSER = "v-owning-browser"


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Hashing every test user's password the production way would take most of the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---------------------------------------------------------------------- what is requested


@dataclass(frozen=True)
class Target:
    """What a request is about: two assessments (to compare), their team, a link, a member."""

    assessment: Assessment
    other: Assessment
    team: Team | None = None
    link: ShareLink | None = None
    colleague: Membership | None = None  # a second owner, for member changes


Url = Callable[[Target], str]

READ = "read"  # every member
WRITE = "write"  # owners and editors
MANAGE = "manage"  # owners only
MEMBER = "member"  # every member, about their own membership

ALLOWED = {
    READ: {Role.OWNER, Role.EDITOR, Role.VIEWER},
    WRITE: {Role.OWNER, Role.EDITOR},
    MANAGE: {Role.OWNER},
    MEMBER: {Role.OWNER, Role.EDITOR, Role.VIEWER},
}


@dataclass(frozen=True)
class View:
    name: str
    method: str
    url: Url
    kind: str
    status: int  # what an allowed member gets
    browser: int | None  # what the owning browser gets for its own work; None: not there
    data: dict[str, str] = field(default_factory=dict)
    htmx: Url | None = None  # sent as an htmx request from this page

    @property
    def writes(self) -> bool:
        """Whether an allowed request changes what is stored (reads and previews do not)."""
        return self.method == "post" and self.kind != READ


def at(path: str) -> Url:
    return lambda t: f"/a/{t.assessment.id}/{path}"


def on_team(path: str) -> Url:
    def url(t: Target) -> str:
        assert t.team is not None
        return f"/teams/{t.team.slug}/{path}"

    return url


def revoke_url(t: Target) -> str:
    assert t.link is not None
    return f"/a/{t.assessment.id}/share/{t.link.pk}/revoke/"


def member_url(t: Target) -> str:
    assert t.team is not None
    assert t.colleague is not None
    return f"/teams/{t.team.slug}/members/{t.colleague.pk}/"


def compare_assessments(t: Target) -> str:
    return f"/compare/?a={t.assessment.id}&a={t.other.id}"


def compare_revisions(t: Target) -> str:
    first = Revision.objects.get(assessment=t.assessment, number=1)
    second = Revision.objects.get(assessment=t.other, number=1)
    return f"/compare/?r={first.pk}&r={second.pk}"


STEP = at("workload/")
REPORT = at("report/")
WHAT_IF = at("report/what-if/")
ANSWER = {"stage": "production"}
PREVIEW = {"vendor_terms_ok": "no"}
SAVE = {"vendor_terms_ok": "no", "action": "save"}
DETAILS = {"name": "Renamed", "status": "proposed"}
NEW_LINK = {"label": "Board", "expiry": "7"}

VIEWS = [
    # name, method, url, who may, status, status for browser-owned work, data, htmx from
    View("resume", "get", at(""), READ, 302, 302),
    View("step", "get", STEP, READ, 200, 200),
    View("step-post", "post", STEP, WRITE, 302, 302, ANSWER),
    View("autosave", "post", at("answer/"), WRITE, 200, 200, ANSWER, htmx=STEP),
    View("review", "get", at("review/"), READ, 200, 200),
    View("report", "get", REPORT, READ, 200, 200),
    View("what-if", "post", WHAT_IF, READ, 200, 200, PREVIEW),
    View("what-if-htmx", "post", WHAT_IF, READ, 200, 200, PREVIEW, htmx=REPORT),
    View("what-if-save", "post", WHAT_IF, WRITE, 302, 302, SAVE),
    View("what-if-save-htmx", "post", WHAT_IF, WRITE, 200, 200, SAVE, htmx=REPORT),
    View("details", "get", at("details/"), READ, 200, 200),
    View("details-post", "post", at("details/"), WRITE, 302, 302, DETAILS),
    View("duplicate", "post", at("duplicate/"), WRITE, 302, 302),
    View("archive", "post", at("archive/"), WRITE, 302, 302),
    View("delete", "get", at("delete/"), WRITE, 200, 200),
    View("delete-post", "post", at("delete/"), WRITE, 302, 302),
    View("history", "get", at("history/"), READ, 200, 200),
    View("share", "get", at("share/"), READ, 200, 200),
    # Only team work can be shared: the owning browser is asked to sign in first.
    View("share-post", "post", at("share/"), WRITE, 302, 403, NEW_LINK),
    View("share-revoke", "post", revoke_url, WRITE, 302, None),
    View("compare", "get", compare_assessments, READ, 200, 200),
    View("compare-revisions", "get", compare_revisions, READ, 200, 200),
    View("team", "get", on_team(""), READ, 200, None),
    View("team-assessments", "get", on_team("assessments/"), READ, 200, None),
    View("team-invite", "post", on_team("invite/"), MANAGE, 302, None, {"role": "viewer"}),
    View("team-member-role", "post", member_url, MANAGE, 302, None, {"role": "editor"}),
    View("team-member-remove", "post", member_url, MANAGE, 302, None, {"action": "remove"}),
    View("team-leave", "post", on_team("leave/"), MEMBER, 302, None),
]

BROWSER_VIEWS = [v for v in VIEWS if v.browser is not None]


# ---------------------------------------------------------------------- who asks


def make_user(email: str) -> User:
    return create_user(email=email, password=PASSWORD)


@dataclass(frozen=True)
class World:
    target: Target
    users: dict[str, User]


@pytest.fixture
def world() -> World:
    owner = make_user("owner@example.com")
    team = create_team(name="Platform team", owner=owner)
    users = {"owner": owner}
    for role in (Role.EDITOR, Role.VIEWER):
        users[role] = make_user(f"{role}@example.com")
        Membership.objects.create(team=team, user=users[role], role=role)
    users["outsider"] = make_user("outsider@example.com")
    # A second owner, so that the owner may leave and an owner's role may change.
    colleague = Membership.objects.create(
        team=team, user=make_user("colleague@example.com"), role=Role.OWNER
    )
    assessment = start_assessment(
        visitor="v-owner", team=team, author=owner, answers={"use_case": "Support chatbot"}
    )
    other = start_assessment(
        visitor="v-owner", team=team, author=owner, answers={"use_case": "Code assistant"}
    )
    link, _ = create_link(assessment=assessment, by=owner, days=None, label="Finance")
    target = Target(assessment, other, team=team, link=link, colleague=colleague)
    return World(target=target, users=users)


@pytest.fixture
def browser_work() -> Target:
    return Target(
        start_assessment(visitor=BROWSER, answers={"use_case": "Support chatbot"}),
        start_assessment(visitor=BROWSER, answers={"use_case": "Code assistant"}),
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, view: View, target: Target) -> HttpResponse:
    headers = {}
    if view.htmx is not None:
        headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{view.htmx(target)}"}
    response: HttpResponse = getattr(client, view.method)(
        view.url(target), view.data, headers=headers
    )
    return response


def stored() -> dict[str, Any]:
    """Everything a request might change, except where each reader left off and view times."""
    return {
        "teams": list(Team.objects.order_by("pk").values_list("pk", "slug")),
        "memberships": list(
            Membership.objects.order_by("pk").values_list("team_id", "user_id", "role")
        ),
        "invitations": Invitation.objects.count(),
        "assessments": list(
            Assessment.objects.order_by("pk").values(
                "pk",
                "team_id",
                "name",
                "status",
                "archived_at",
                "answers",
                "answered",
                "revision",
            )
        ),
        "revisions": list(Revision.objects.order_by("pk").values("pk", "number", "answers")),
        "share_links": list(
            ShareLink.objects.order_by("pk").values("pk", "label", "expires_at", "revoked_at")
        ),
    }


def login_next(response: HttpResponseBase) -> str:
    """Where the login page will send the person back to; fails unless it is the login page."""
    location = response.headers.get("HX-Redirect") or response.headers.get("Location", "")
    parts = urlsplit(location)
    assert parts.path == "/accounts/login/", location
    return parse_qs(parts.query)["next"][0]


def view_id(view: View) -> str:
    return view.name


def allowed_pairs(*, allowed: bool) -> list[Any]:
    return [
        pytest.param(view, role, id=f"{view.name}-{role}")
        for view in VIEWS
        for role in (Role.OWNER, Role.EDITOR, Role.VIEWER)
        if (role in ALLOWED[view.kind]) == allowed
    ]


# ---------------------------------------------------------------------- team work


@pytest.mark.parametrize(("view", "role"), allowed_pairs(allowed=True))
def test_member_allowed_gets_the_views_answer(world: World, view: View, role: str) -> None:
    before = stored()

    response = send(signed_in(world.users[role]), view, world.target)

    assert response.status_code == view.status
    assert (stored() != before) == view.writes


@pytest.mark.parametrize(("view", "role"), allowed_pairs(allowed=False))
def test_member_not_allowed_gets_403_and_nothing_is_stored(
    world: World, view: View, role: str
) -> None:
    before = stored()

    response = send(signed_in(world.users[role]), view, world.target)

    assert response.status_code == 403
    assert stored() == before


@pytest.mark.parametrize("view", VIEWS, ids=view_id)
def test_outsider_gets_404_and_nothing_is_stored(world: World, view: View) -> None:
    before = stored()

    response = send(signed_in(world.users["outsider"]), view, world.target)

    assert response.status_code == 404
    assert stored() == before


@pytest.mark.parametrize("view", VIEWS, ids=view_id)
def test_anonymous_is_sent_to_sign_in_and_nothing_is_stored(world: World, view: View) -> None:
    before = stored()

    response = send(Client(), view, world.target)

    if view.htmx is not None:
        # The whole page goes to the login page and comes back to the page it was on.
        assert (response.status_code, response.content) == (200, b"")
        assert "Location" not in response.headers
        assert login_next(response) == view.htmx(world.target)
    else:
        assert response.status_code == 302
        back = login_next(response)
        if view.method == "get":
            assert back == view.url(world.target)
    assert stored() == before


def test_signing_in_after_a_refused_post_comes_back_to_a_page(world: World) -> None:
    """Bug: a refused POST sends its own URL as ``next``, and after signing in that is a 405.

    Someone whose login expired clicks Archive (or Duplicate, Revoke, Leave...), signs in and
    lands on "Method Not Allowed" instead of the page they were on.
    """
    owner = signed_in(world.users["owner"])
    team = world.target.team
    assert team is not None
    # Browsers send the page a form was on as the referer (our policy is same-origin).
    page = Client(headers={"Referer": f"http://testserver/teams/{team.slug}/"})
    dead_ends = []
    for view in VIEWS:
        if view.method == "post" and view.htmx is None:
            back = login_next(send(page, view, world.target))
            if owner.get(back).status_code == 405:
                dead_ends.append(f"{view.name}: {back}")

    assert dead_ends == []


def test_the_matrix_names_each_view_once_and_uses_every_kind() -> None:
    kinds = {view.kind for view in VIEWS}
    assert kinds == set(ALLOWED)
    assert len({view.name for view in VIEWS}) == len(VIEWS)


# ---------------------------------------------------------------------- ids from elsewhere


def elsewhere(world: World) -> Assessment:
    """The outsider's own team work, out of reach of the team's members."""
    outsider = world.users["outsider"]
    team = create_team(name="Elsewhere", owner=outsider)
    return start_assessment(
        visitor="v-outsider", team=team, author=outsider, answers={"use_case": "Theirs"}
    )


@pytest.mark.parametrize("whose", ["same-team", "other-team"])
def test_revoking_a_link_of_another_assessment_is_404(world: World, whose: str) -> None:
    assessment = world.target.other if whose == "same-team" else elsewhere(world)
    link, token = create_link(assessment=assessment, by=None, days=None)
    before = stored()

    response = signed_in(world.users["owner"]).post(
        f"/a/{world.target.assessment.id}/share/{link.pk}/revoke/"
    )

    assert response.status_code == 404
    assert stored() == before
    assert Client().get(f"/s/{token}/").status_code == 200


def test_changing_a_member_of_another_team_is_404(world: World) -> None:
    team = world.target.team
    assert team is not None
    theirs = Membership.objects.get(team=elsewhere(world).team, user=world.users["outsider"])
    before = stored()

    response = signed_in(world.users["owner"]).post(
        f"/teams/{team.slug}/members/{theirs.pk}/", {"role": Role.VIEWER}
    )

    assert response.status_code == 404
    assert stored() == before


def test_comparing_with_work_from_another_team_is_404(world: World) -> None:
    response = signed_in(world.users["owner"]).get(
        f"/compare/?a={world.target.assessment.id}&a={elsewhere(world).id}"
    )

    assert response.status_code == 404


def test_duplicate_stays_in_the_team_for_every_member(world: World) -> None:
    target = world.target

    response = signed_in(world.users[Role.EDITOR]).post(f"/a/{target.assessment.id}/duplicate/")

    copy = Assessment.objects.exclude(pk__in=[target.assessment.pk, target.other.pk]).get()
    assert response["Location"] == f"/a/{copy.id}/review/"
    assert (copy.team, copy.author) == (target.team, world.users[Role.EDITOR])
    viewer = signed_in(world.users[Role.VIEWER])
    assert viewer.get(f"/a/{copy.id}/report/").status_code == 200


# ---------------------------------------------------------------------- starting team work


@pytest.mark.parametrize(
    ("role", "status", "made"),
    [
        (Role.OWNER, 302, 1),
        (Role.EDITOR, 302, 1),
        (Role.VIEWER, 403, 0),
        ("outsider", 404, 0),
    ],
)
def test_new_assessment_in_a_team_needs_an_owner_or_editor(
    world: World, role: str, status: int, made: int
) -> None:
    team = world.target.team
    assert team is not None
    before = Assessment.objects.count()

    response = signed_in(world.users[role]).post("/assessments/new/", {"team": team.slug})

    assert response.status_code == status
    assert Assessment.objects.filter(team=team).count() == 2 + made
    assert Assessment.objects.count() == before + made


def test_new_assessment_in_a_team_sends_anonymous_to_sign_in(world: World) -> None:
    """Bug: the team is silently dropped and the work lands in the browser instead.

    Someone whose login expired clicks "New assessment in Platform team" and gets a
    browser-owned assessment that will later move to their personal space, not the team.
    """
    team = world.target.team
    assert team is not None
    before = stored()

    response = Client().post("/assessments/new/", {"team": team.slug})

    assert response.status_code == 302
    assert login_next(response) == "/assessments/new/"
    assert stored() == before


# ---------------------------------------------------------------------- share links


ACTORS = ["owner", Role.EDITOR, Role.VIEWER, "outsider", "anonymous"]


def client_of(world: World, actor: str) -> Client:
    return Client() if actor == "anonymous" else signed_in(world.users[actor])


def live_link(world: World) -> str:
    _, token = create_link(assessment=world.target.assessment, by=None, days=7)
    return f"/s/{token}/"


@pytest.mark.parametrize("actor", ACTORS)
def test_share_link_shows_the_report_to_anyone(world: World, actor: str) -> None:
    url = live_link(world)

    response = client_of(world, actor).get(url)

    assert response.status_code == 200
    assert "Support chatbot" in Page(response).text


@pytest.mark.parametrize("actor", ACTORS)
def test_revoked_share_link_is_404_for_anyone(world: World, actor: str) -> None:
    link, token = create_link(assessment=world.target.assessment, by=None, days=None)
    revoke(link=link)

    response = client_of(world, actor).get(f"/s/{token}/")

    assert response.status_code == 404


@pytest.mark.parametrize("actor", ACTORS)
def test_expired_share_link_is_404_for_anyone(world: World, actor: str) -> None:
    link, token = create_link(assessment=world.target.assessment, by=None, days=1)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client_of(world, actor).get(f"/s/{token}/")

    assert response.status_code == 404


def test_share_link_stops_working_once_revoked_through_the_page(world: World) -> None:
    link, token = create_link(assessment=world.target.assessment, by=None, days=None)
    assert Client().get(f"/s/{token}/").status_code == 200

    signed_in(world.users[Role.EDITOR]).post(
        f"/a/{world.target.assessment.id}/share/{link.pk}/revoke/"
    )

    assert Client().get(f"/s/{token}/").status_code == 404


# ---------------------------------------------------------------------- browser-owned work


@pytest.mark.parametrize("view", BROWSER_VIEWS, ids=view_id)
def test_owning_browser_can_do_everything(browser_work: Target, view: View) -> None:
    before = stored()

    response = send(as_visitor(Client(), BROWSER), view, browser_work)

    assert response.status_code == view.browser
    assert (stored() != before) == (view.writes and response.status_code < 400)


def other_browser() -> Client:
    return as_visitor(Client(), "v-another-browser")


def no_session() -> Client:
    return Client()


def signed_in_stranger() -> Client:
    return signed_in(make_user("stranger@example.com"))


STRANGERS = {
    "other-browser": other_browser,
    "no-session": no_session,
    "signed-in-stranger": signed_in_stranger,
}


@pytest.mark.parametrize("view", BROWSER_VIEWS, ids=view_id)
@pytest.mark.parametrize("stranger", STRANGERS)
def test_other_browsers_and_strangers_get_404_for_browser_work(
    browser_work: Target, view: View, stranger: str
) -> None:
    client = STRANGERS[stranger]()
    before = stored()

    response = send(client, view, browser_work)

    assert response.status_code == 404
    assert stored() == before
