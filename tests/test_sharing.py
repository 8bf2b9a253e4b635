"""Read-only share links: who may make and revoke them, and what the link shows.

Three kinds of team member (owner, editor, viewer) and an outsider, as for every team view:
members see the assessment's links, owners and editors make and revoke them, viewers get 403
when they try, outsiders 404 and people not signed in the login page. The link itself shows
the report alone to anyone, until it is revoked or expires; then, like an unknown token, 404.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from decider.accounts.models import Membership, Team, User
from decider.accounts.services import create_team, create_user
from decider.assessments.models import Assessment
from decider.assessments.services import start_assessment
from decider.sharing import services
from decider.sharing.models import ShareLink
from tests.factories import as_visitor, make_assessment, scenario_answers
from tests.markup import Page, text_of

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough test password"


# ---------------------------------------------------------------------- factories


def make_user(email: str) -> User:
    return create_user(email=email, password=PASSWORD)


def make_link(
    assessment: Assessment, *, by: User | None = None, days: int | None = None, label: str = ""
) -> tuple[ShareLink, str]:
    return services.create_link(assessment=assessment, by=by, days=days, label=label)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner() -> User:
    return make_user("owner@example.com")


@pytest.fixture
def team(owner: User) -> Team:
    return create_team(name="Platform team", owner=owner)


@pytest.fixture
def editor(team: Team) -> User:
    user = make_user("editor@example.com")
    Membership.objects.create(team=team, user=user, role="editor")
    return user


@pytest.fixture
def viewer(team: Team) -> User:
    user = make_user("viewer@example.com")
    Membership.objects.create(team=team, user=user, role="viewer")
    return user


@pytest.fixture
def outsider() -> User:
    return make_user("outsider@example.com")


@pytest.fixture
def assessment(team: Team, owner: User) -> Assessment:
    return start_assessment(
        visitor="x", team=team, author=owner, answers=scenario_answers("support chatbot")
    )


def share_url(assessment: Assessment) -> str:
    return f"/a/{assessment.id}/share/"


def revoke_url(link: ShareLink) -> str:
    return f"/a/{link.assessment_id}/share/{link.pk}/revoke/"


def token_in(page: Page) -> str:
    """The token of the one-time link shown on the share page."""
    code = page.find(".//code[@class='share-url']")
    found = re.fullmatch(r"http://testserver/s/([^/]+)/", code.text or "")
    assert found is not None, code.text
    return found.group(1)


# ---------------------------------------------------------------------- managing links


@pytest.mark.parametrize("role", ["owner", "editor", "viewer"])
def test_share_page_lists_links_for_every_member(
    request: pytest.FixtureRequest, role: str, assessment: Assessment, owner: User
) -> None:
    make_link(assessment, by=owner, label="Finance review", days=7)
    member: User = request.getfixturevalue(role)

    response = signed_in(member).get(share_url(assessment))

    assert response.status_code == 200
    page = Page(response)
    rows = page.find_all(".//table[@class='share-links']/tbody/tr")
    assert [r.find("td").text for r in rows] == ["Finance review"]  # type: ignore[union-attr]
    assert "Active" in page.text
    assert page.find(".//table/caption").text == f"Share links of “{assessment.title}”"
    can_create = bool(page.find_all(f".//form[@action='{share_url(assessment)}']"))
    assert can_create == (role != "viewer")


@pytest.mark.parametrize("role", ["owner", "editor"])
def test_share_create_by_owner_and_editor_shows_the_url_once(
    request: pytest.FixtureRequest, role: str, assessment: Assessment
) -> None:
    member: User = request.getfixturevalue(role)
    client = signed_in(member)

    response = client.post(share_url(assessment), {"label": "Finance review", "expiry": "7"})

    assert (response.status_code, response["Location"]) == (302, share_url(assessment))
    link = ShareLink.objects.get(assessment=assessment)
    assert (link.label, link.created_by, link.revoked_at) == ("Finance review", member, None)
    assert link.expires_at is not None
    assert abs(link.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    first = Page(client.get(share_url(assessment)))
    token = token_in(first)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    second = Page(client.get(share_url(assessment)))
    assert second.find_all(".//code[@class='share-url']") == []


def test_share_create_without_expiry_lasts_until_revoked(
    assessment: Assessment, owner: User
) -> None:
    signed_in(owner).post(share_url(assessment), {"label": "", "expiry": "never"})

    link = ShareLink.objects.get(assessment=assessment)
    assert (link.label, link.expires_at) == ("", None)


def test_share_create_with_an_unknown_expiry_is_refused(
    assessment: Assessment, owner: User
) -> None:
    response = signed_in(owner).post(share_url(assessment), {"expiry": "365"})

    assert response.status_code == 422
    assert ShareLink.objects.count() == 0


def test_new_link_is_shown_only_on_its_own_assessment(
    assessment: Assessment, team: Team, owner: User
) -> None:
    other = start_assessment(visitor="x", team=team, author=owner)
    client = signed_in(owner)
    client.post(share_url(assessment), {"expiry": "never"})

    elsewhere = Page(client.get(share_url(other)))

    assert elsewhere.find_all(".//code[@class='share-url']") == []
    assert token_in(Page(client.get(share_url(assessment))))


@pytest.mark.parametrize("role", ["owner", "editor"])
def test_share_revoke_by_owner_and_editor(
    request: pytest.FixtureRequest, role: str, assessment: Assessment, owner: User
) -> None:
    link, token = make_link(assessment, by=owner)
    member: User = request.getfixturevalue(role)

    response = signed_in(member).post(revoke_url(link))

    assert (response.status_code, response["Location"]) == (302, share_url(assessment))
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert Client().get(f"/s/{token}/").status_code == 404


def test_viewer_cannot_create_or_revoke(assessment: Assessment, owner: User, viewer: User) -> None:
    link, _ = make_link(assessment, by=owner)
    client = signed_in(viewer)

    created = client.post(share_url(assessment), {"expiry": "never"})
    revoked = client.post(revoke_url(link))

    assert (created.status_code, revoked.status_code) == (403, 403)
    assert ShareLink.objects.count() == 1
    link.refresh_from_db()
    assert link.revoked_at is None


def test_outsider_gets_404_everywhere(assessment: Assessment, owner: User, outsider: User) -> None:
    link, _ = make_link(assessment, by=owner)
    client = signed_in(outsider)

    statuses = [
        client.get(share_url(assessment)).status_code,
        client.post(share_url(assessment), {"expiry": "never"}).status_code,
        client.post(revoke_url(link)).status_code,
    ]

    assert statuses == [404, 404, 404]
    assert ShareLink.objects.filter(revoked_at__isnull=True).count() == 1


def test_anonymous_is_sent_to_sign_in(assessment: Assessment, owner: User) -> None:
    link, _ = make_link(assessment, by=owner)
    client = Client()

    login = "/accounts/login/?next="

    responses = [
        client.get(share_url(assessment)),
        client.post(share_url(assessment), {"expiry": "7"}),
        client.post(revoke_url(link)),
    ]

    assert [(r.status_code, r["Location"]) for r in responses] == [
        (302, login + share_url(assessment)),
        (302, login + share_url(assessment)),
        (302, login + revoke_url(link)),
    ]
    assert ShareLink.objects.filter(revoked_at__isnull=True).count() == 1


def test_unknown_assessment_or_link_is_404(assessment: Assessment, owner: User) -> None:
    other_team = create_team(name="Other", owner=make_user("other@example.com"))
    foreign = start_assessment(visitor="x", team=other_team)
    foreign_link, _ = make_link(foreign)
    client = signed_in(owner)

    assert client.get("/a/00000000-0000-0000-0000-000000000000/share/").status_code == 404
    # A link of another assessment, through this one's URL.
    response = client.post(f"/a/{assessment.id}/share/{foreign_link.pk}/revoke/")
    assert response.status_code == 404
    foreign_link.refresh_from_db()
    assert foreign_link.revoked_at is None


def test_browser_owned_work_asks_to_sign_in_first() -> None:
    work = make_assessment(stage="production")
    client = as_visitor(Client())

    page = client.get(share_url(work))
    created = client.post(share_url(work), {"expiry": "never"})

    assert page.status_code == 200
    assert "Sign in" in Page(page).text
    assert created.status_code == 403
    assert "only work saved in a team can be shared" in Page(created).text
    assert ShareLink.objects.count() == 0


def test_create_link_refuses_browser_owned_work() -> None:
    with pytest.raises(services.ShareError):
        services.create_link(assessment=make_assessment(), by=None, days=None)


# ---------------------------------------------------------------------- the shared report


def test_shared_report_shows_the_report_to_anyone(assessment: Assessment, owner: User) -> None:
    link, token = make_link(assessment, by=owner)

    response = Client().get(f"/s/{token}/")

    assert response.status_code == 200
    page = Page(response)
    verdict = page.find(".//section[@data-recommendation]")
    assert verdict.get("data-recommendation") == assessment.recommendation
    banner = page.find(".//p[@class='share-banner']")
    assert text_of(banner) == "Shared read-only by Platform team"
    assert page.find(".//h1").text == assessment.title
    link.refresh_from_db()
    assert link.last_viewed_at is not None


def test_shared_report_is_private_and_not_indexed(assessment: Assessment) -> None:
    _, token = make_link(assessment)

    response = Client().get(f"/s/{token}/")

    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Referrer-Policy"] == "same-origin"


def test_shared_report_has_no_what_if_form_and_no_edit_links(
    assessment: Assessment,
) -> None:
    _, token = make_link(assessment)

    page = Page(Client().get(f"/s/{token}/"))

    assert page.find_all(".//form") == []
    assert page.find_all(".//*[@id='what-if-form']") == []
    links = [a.get("href", "") for a in page.find_all(".//a")]
    assert [href for href in links if str(assessment.id) in href] == []
    assert page.find_all(".//*[@hx-post]") == []


def test_dead_and_unknown_links_are_the_same_404(assessment: Assessment) -> None:
    revoked, revoked_token = make_link(assessment)
    services.revoke(link=revoked)
    expired, expired_token = make_link(assessment, days=1)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client = Client()

    responses = [
        client.get(f"/s/{revoked_token}/"),
        client.get(f"/s/{expired_token}/"),
        client.get("/s/no-such-token/"),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert len({r.content for r in responses}) == 1
    assert ShareLink.objects.filter(last_viewed_at__isnull=False).count() == 0


def test_find_usable_tells_nothing_about_dead_links(assessment: Assessment) -> None:
    live, live_token = make_link(assessment)
    revoked, revoked_token = make_link(assessment)
    services.revoke(link=revoked)
    expired, expired_token = make_link(assessment, days=30)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now())

    found = [services.find_usable(t) for t in (live_token, revoked_token, expired_token, "x")]

    assert found == [live, None, None, None]


def test_token_is_stored_only_as_its_hash(assessment: Assessment, owner: User) -> None:
    link, token = make_link(assessment, by=owner, label="Board")

    stored = ShareLink.objects.filter(pk=link.pk).values().get()

    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert not [name for name, value in stored.items() if token in str(value)]
    assert len(token) >= 43  # 32 random bytes


# ---------------------------------------------------------------------- query counts


def test_shared_report_queries_are_fixed(
    assessment: Assessment, django_assert_num_queries: Any
) -> None:
    _, token = make_link(assessment)
    client = Client()

    with django_assert_num_queries(2):  # the link with its assessment and team; last viewed
        response = client.get(f"/s/{token}/")

    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 5])
def test_share_page_queries_do_not_grow_with_links(
    assessment: Assessment, owner: User, django_assert_num_queries: Any, count: int
) -> None:
    for n in range(count):
        make_link(assessment, by=owner, label=f"Link {n}")
    client = signed_in(owner)

    # session, user, assessment with team and the caller's role, links with their makers
    with django_assert_num_queries(4):
        response = client.get(share_url(assessment))

    assert response.status_code == 200
    assert len(Page(response).find_all(".//table[@class='share-links']/tbody/tr")) == count
