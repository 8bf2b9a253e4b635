"""Teams, their members and roles, and invitation links.

Three kinds of member (owner, editor, viewer) and an outsider, as for every team view: every
member sees the team page and its members; only owners see and use the invitation form and
the member controls (others get 403); outsiders get 404 on every team URL, and people not
signed in the login page. An invitation is a single-use, expiring link, shown once to the
owner who made it; a used or expired link is refused with 410 and says why. A team always
keeps an owner, and a personal space has no one else in it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decider.accounts.models import Invitation, Membership, Role, Team, User
from decider.accounts.services import create_team, create_user, invite, personal_team
from tests.markup import Page, text_of

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough test password"


@pytest.fixture(autouse=True)
def quick_password_hashing(settings: Any) -> None:
    # Every user made here hashes a password; the production hasher is slow on purpose and
    # no test here is about passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---------------------------------------------------------------------- factories


def make_user(email: str, *, name: str = "") -> User:
    return create_user(email=email, password=PASSWORD, name=name)


def add_member(team: Team, email: str, role: str) -> User:
    user = make_user(email)
    Membership.objects.create(team=team, user=user, role=role)
    return user


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
    return add_member(team, "editor@example.com", Role.EDITOR)


@pytest.fixture
def viewer(team: Team) -> User:
    return add_member(team, "viewer@example.com", Role.VIEWER)


@pytest.fixture
def outsider() -> User:
    return make_user("outsider@example.com")


def membership_of(user: User, team: Team) -> Membership:
    return Membership.objects.get(user=user, team=team)


def roles(team: Team) -> dict[str, str]:
    return dict(Membership.objects.filter(team=team).values_list("user__email", "role"))


def team_url(team: Team) -> str:
    return f"/teams/{team.slug}/"


def member_url(team: Team, member: Membership) -> str:
    return f"/teams/{team.slug}/members/{member.pk}/"


def messages_shown(response: Any) -> list[str]:
    return [text_of(li) for li in Page(response).find_all(".//ul[@class='messages']/li")]


INVITE_LINK = re.compile(r"http://testserver/invitations/([\w-]+)/")


def invite_link_shown(response: Any) -> str | None:
    links = Page(response).find_all(".//code[@class='invite-link']")
    assert len(links) <= 1
    return text_of(links[0]) if links else None


def make_invitation(team: Team, by: User, role: str = Role.EDITOR) -> str:
    return invite(team=team, role=role, by=by)


# ---------------------------------------------------------------------- creating teams


def test_team_creation_makes_the_creator_its_owner(owner: User) -> None:
    client = signed_in(owner)

    response = client.post("/teams/", {"name": "Data science"})

    created = Team.objects.get(name="Data science")
    assert (response.status_code, response["Location"]) == (302, team_url(created))
    assert not created.personal
    assert roles(created) == {"owner@example.com": Role.OWNER}
    assert messages_shown(client.get(team_url(created))) == [
        "Team “Data science” created. Invite people from its page."
    ]


def test_team_creation_gives_teams_of_the_same_name_their_own_url(owner: User) -> None:
    client = signed_in(owner)

    first = client.post("/teams/", {"name": "Platform"})
    second = client.post("/teams/", {"name": "Platform"})

    assert first["Location"] != second["Location"]
    assert Team.objects.filter(name="Platform").count() == 2


def test_team_creation_needs_a_name(owner: User) -> None:
    response = signed_in(owner).post("/teams/", {"name": ""})

    assert response.status_code == 422
    assert Team.objects.filter(personal=False).count() == 0


def test_teams_page_lists_the_personal_space_first_then_the_teams(owner: User, team: Team) -> None:
    other = create_team(name="Analytics", owner=make_user("boss@example.com"))
    Membership.objects.create(team=other, user=owner, role=Role.VIEWER)

    page = Page(signed_in(owner).get("/teams/"))

    assert [text_of(li) for li in page.find_all(".//ul[@class='team-list']/li")] == [
        "owner@example.com's space personal space Members of owner@example.com's space",
        "Analytics Viewer Members of Analytics",
        "Platform team Owner Members of Platform team",
    ]


# ---------------------------------------------------------------------- the team page


def member_rows(response: Any) -> list[tuple[str, str]]:
    rows = Page(response).find_all(".//table[@class='members']/tbody/tr")
    return [(text_of(row[0]), text_of(row[1])) for row in rows]


@pytest.mark.parametrize("who", ["owner", "editor", "viewer"])
def test_team_page_lists_the_members_to_every_member(
    who: str, owner: User, editor: User, viewer: User, team: Team
) -> None:
    user = {"owner": owner, "editor": editor, "viewer": viewer}[who]

    response = signed_in(user).get(team_url(team))

    assert response.status_code == 200
    assert member_rows(response) == [
        ("editor@example.com", "Editor"),
        ("owner@example.com", "Owner"),
        ("viewer@example.com", "Viewer"),
    ]


def test_team_page_shows_a_members_name_and_email(team: Team) -> None:
    named = make_user("ada@example.com", name="Ada Lovelace")
    Membership.objects.create(team=team, user=named, role=Role.EDITOR)

    response = signed_in(named).get(team_url(team))

    assert member_rows(response)[0] == ("Ada Lovelace ada@example.com", "Editor")


@pytest.mark.parametrize(
    ("who", "invite_forms", "member_forms"),
    [("owner", 1, 3), ("editor", 0, 0), ("viewer", 0, 0)],
)
def test_team_page_shows_the_invite_form_and_member_controls_only_to_owners(
    who: str,
    invite_forms: int,
    member_forms: int,
    owner: User,
    editor: User,
    viewer: User,
    team: Team,
) -> None:
    user = {"owner": owner, "editor": editor, "viewer": viewer}[who]

    page = Page(signed_in(user).get(team_url(team)))

    actions = [form.get("action", "") for form in page.find_all(".//form")]
    assert actions.count(f"/teams/{team.slug}/invite/") == invite_forms
    assert len([a for a in actions if "/members/" in a]) == member_forms
    assert actions.count(f"/teams/{team.slug}/leave/") == 1


def test_personal_team_page_has_no_invite_form_member_controls_or_leave_button(
    owner: User,
) -> None:
    page = Page(signed_in(owner).get(team_url(personal_team(owner))))

    assert [form.get("action") for form in page.find_all(".//main//form")] == []


# ---------------------------------------------------------------------- invitations


def test_invite_creates_a_link_shown_on_the_next_page_only(owner: User, team: Team) -> None:
    client = signed_in(owner)

    response = client.post(f"/teams/{team.slug}/invite/", {"role": Role.VIEWER})
    first = client.get(team_url(team))
    second = client.get(team_url(team))

    assert (response.status_code, response["Location"]) == (302, team_url(team))
    link = invite_link_shown(first)
    assert link is not None
    match = INVITE_LINK.fullmatch(link)
    assert match is not None
    stored = Invitation.objects.get()
    assert (stored.team, stored.role, stored.created_by) == (team, Role.VIEWER, owner)
    assert stored.token_hash == hashlib.sha256(match.group(1).encode()).hexdigest()
    assert invite_link_shown(second) is None


def test_invitation_token_is_stored_only_as_its_hash(owner: User, team: Team) -> None:
    token = make_invitation(team, owner)

    stored = Invitation.objects.filter(team=team).values().get()

    assert [name for name, value in stored.items() if token in str(value)] == []
    assert len(token) >= 43  # 32 random bytes


def test_invitation_expires_in_seven_days(owner: User, team: Team) -> None:
    make_invitation(team, owner)

    stored = Invitation.objects.get()

    lifetime = stored.expires_at - stored.created_at
    assert round(lifetime.total_seconds() / 60) == 7 * 24 * 60


def test_invite_link_is_shown_only_on_its_own_teams_page(owner: User, team: Team) -> None:
    # The link waits in the session for the next team page; if that is another team's page
    # (a second tab), it must not be offered there as an invitation to that team.
    other = create_team(name="Analytics", owner=owner)
    client = signed_in(owner)
    client.post(f"/teams/{team.slug}/invite/", {"role": Role.EDITOR})

    elsewhere = client.get(team_url(other))
    own = client.get(team_url(team))

    assert invite_link_shown(elsewhere) is None
    assert invite_link_shown(own) is not None


@pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR, Role.VIEWER])
def test_accepting_an_invitation_makes_the_user_a_member_with_the_invited_role(
    role: str, owner: User, team: Team, outsider: User
) -> None:
    token = make_invitation(team, owner, role)
    client = signed_in(outsider)

    response = client.post(f"/invitations/{token}/")

    assert (response.status_code, response["Location"]) == (302, team_url(team))
    assert membership_of(outsider, team).role == role
    used = Invitation.objects.get()
    assert used.used_at is not None
    assert used.used_by == outsider
    label = {"owner": "owner", "editor": "editor", "viewer": "viewer"}[role]
    assert messages_shown(client.get(team_url(team))) == [f"You joined Platform team as {label}."]


def test_opening_an_invitation_signed_in_asks_to_confirm(
    owner: User, team: Team, outsider: User
) -> None:
    token = make_invitation(team, owner, Role.VIEWER)

    response = signed_in(outsider).get(f"/invitations/{token}/")

    page = Page(response)
    assert response.status_code == 200
    assert text_of(page.find(".//h1")) == "Join Platform team"
    assert "You are invited as viewer." in page.text
    assert len(page.find_all(".//main//form[@method='post']")) == 1
    assert not Membership.objects.filter(user=outsider, team=team).exists()
    assert Invitation.objects.get().used_at is None


def test_used_invitation_is_refused(owner: User, team: Team, outsider: User) -> None:
    token = make_invitation(team, owner)
    signed_in(outsider).post(f"/invitations/{token}/")
    latecomer = make_user("late@example.com")
    client = signed_in(latecomer)

    opened = client.get(f"/invitations/{token}/")
    accepted = client.post(f"/invitations/{token}/")

    message = "This invitation has already been used. Ask the team's owner for a new one."
    for response in (opened, accepted):
        assert response.status_code == 410
        assert text_of(Page(response).find(".//main//p")) == message
    assert not Membership.objects.filter(user=latecomer, team=team).exists()


def test_expired_invitation_is_refused(owner: User, team: Team, outsider: User) -> None:
    token = make_invitation(team, owner)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = signed_in(outsider)

    opened = client.get(f"/invitations/{token}/")
    accepted = client.post(f"/invitations/{token}/")
    anonymous = Client().get(f"/invitations/{token}/")

    message = "This invitation has expired. Ask the team's owner for a new one."
    for response in (opened, accepted, anonymous):
        assert response.status_code == 410
        assert text_of(Page(response).find(".//main//p")) == message
    assert not Membership.objects.filter(user=outsider, team=team).exists()
    assert Invitation.objects.get().used_at is None


def test_unknown_invitation_is_refused(outsider: User) -> None:
    response = signed_in(outsider).post("/invitations/no-such-token/")

    assert response.status_code == 410
    assert text_of(Page(response).find(".//main//p")) == (
        "This invitation link is not valid. Ask the team's owner for a new one."
    )


def test_anonymous_visitor_of_an_invitation_is_asked_to_sign_in_first(
    owner: User, team: Team
) -> None:
    token = make_invitation(team, owner)
    client = Client()

    opened = client.get(f"/invitations/{token}/")
    posted = client.post(f"/invitations/{token}/")

    page = Page(opened)
    assert opened.status_code == 200
    assert f"/accounts/login/?next=/invitations/{token}/" in [
        a.get("href") for a in page.find_all(".//main//a")
    ]
    assert page.find_all(".//main//form") == []
    assert posted.status_code == 200
    assert Invitation.objects.get().used_at is None
    assert roles(team) == {"owner@example.com": Role.OWNER}


def test_signing_in_from_an_invitation_comes_back_to_it(
    owner: User, team: Team, outsider: User
) -> None:
    token = make_invitation(team, owner)
    client = Client()
    sign_in_link = f"/accounts/login/?next=/invitations/{token}/"

    signed = client.post(
        sign_in_link,
        {
            "username": "outsider@example.com",
            "password": PASSWORD,
            "next": f"/invitations/{token}/",
        },
    )
    joined = client.post(signed["Location"])

    assert signed["Location"] == f"/invitations/{token}/"
    assert joined["Location"] == team_url(team)
    assert membership_of(outsider, team).role == Role.EDITOR


def test_accepting_an_invitation_as_a_member_keeps_the_role_and_spends_the_link(
    owner: User, team: Team, viewer: User
) -> None:
    token = make_invitation(team, owner, Role.OWNER)

    signed_in(viewer).post(f"/invitations/{token}/")

    assert membership_of(viewer, team).role == Role.VIEWER
    assert Invitation.objects.get().used_by == viewer


def test_personal_team_cannot_have_invitations(owner: User) -> None:
    space = personal_team(owner)
    client = signed_in(owner)

    response = client.post(f"/teams/{space.slug}/invite/", {"role": Role.EDITOR})

    assert (response.status_code, response["Location"]) == (302, team_url(space))
    assert Invitation.objects.count() == 0
    assert messages_shown(client.get(team_url(space))) == [
        "A personal space cannot have other members."
    ]


# ---------------------------------------------------------------------- leaving


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_member_can_leave(who: str, editor: User, viewer: User, team: Team) -> None:
    user = {"editor": editor, "viewer": viewer}[who]
    client = signed_in(user)

    response = client.post(f"/teams/{team.slug}/leave/")

    assert (response.status_code, response["Location"]) == (302, "/teams/")
    assert not Membership.objects.filter(user=user, team=team).exists()
    assert messages_shown(client.get("/teams/")) == ["You have left Platform team."]
    assert client.get(team_url(team)).status_code == 404


def test_only_owner_cannot_leave(owner: User, team: Team, editor: User) -> None:
    client = signed_in(owner)

    response = client.post(f"/teams/{team.slug}/leave/")

    assert (response.status_code, response["Location"]) == (302, team_url(team))
    assert membership_of(owner, team).role == Role.OWNER
    assert messages_shown(client.get(team_url(team))) == [
        "You are the only owner: make someone else an owner before leaving."
    ]


def test_one_of_two_owners_can_leave(owner: User, team: Team) -> None:
    add_member(team, "second@example.com", Role.OWNER)

    signed_in(owner).post(f"/teams/{team.slug}/leave/")

    assert roles(team) == {"second@example.com": Role.OWNER}


def test_personal_team_cannot_be_left(owner: User) -> None:
    space = personal_team(owner)
    client = signed_in(owner)

    client.post(f"/teams/{space.slug}/leave/")

    assert membership_of(owner, space).role == Role.OWNER
    assert messages_shown(client.get(team_url(space))) == ["You cannot leave your personal space."]


# ---------------------------------------------------------------------- roles and removal


def test_owner_can_change_a_members_role(owner: User, team: Team, editor: User) -> None:
    client = signed_in(owner)

    response = client.post(member_url(team, membership_of(editor, team)), {"role": Role.VIEWER})

    assert (response.status_code, response["Location"]) == (302, team_url(team))
    assert membership_of(editor, team).role == Role.VIEWER
    assert messages_shown(client.get(team_url(team))) == ["editor@example.com is now viewer."]


def test_owner_can_make_another_member_owner(owner: User, team: Team, viewer: User) -> None:
    signed_in(owner).post(member_url(team, membership_of(viewer, team)), {"role": Role.OWNER})

    assert roles(team) == {"owner@example.com": Role.OWNER, "viewer@example.com": Role.OWNER}


def test_owner_can_remove_a_member(owner: User, team: Team, editor: User) -> None:
    client = signed_in(owner)

    response = client.post(member_url(team, membership_of(editor, team)), {"action": "remove"})

    assert (response.status_code, response["Location"]) == (302, team_url(team))
    assert roles(team) == {"owner@example.com": Role.OWNER}
    assert messages_shown(client.get(team_url(team))) == [
        "editor@example.com is no longer a member."
    ]


@pytest.mark.parametrize(
    "change", [{"role": Role.EDITOR}, {"role": Role.VIEWER}, {"action": "remove"}]
)
def test_only_owner_cannot_be_demoted_or_removed(
    change: dict[str, str], owner: User, team: Team, editor: User
) -> None:
    client = signed_in(owner)

    response = client.post(member_url(team, membership_of(owner, team)), change)

    assert (response.status_code, response["Location"]) == (302, team_url(team))
    assert roles(team) == {"owner@example.com": Role.OWNER, "editor@example.com": Role.EDITOR}
    assert messages_shown(client.get(team_url(team))) == ["A team needs at least one owner."]


def test_one_of_two_owners_can_be_demoted(owner: User, team: Team) -> None:
    second = add_member(team, "second@example.com", Role.OWNER)

    signed_in(owner).post(member_url(team, membership_of(second, team)), {"role": Role.EDITOR})

    assert roles(team) == {"owner@example.com": Role.OWNER, "second@example.com": Role.EDITOR}


def test_member_of_another_team_cannot_be_changed_through_this_one(owner: User, team: Team) -> None:
    other = create_team(name="Analytics", owner=make_user("boss@example.com"))
    foreign = add_member(other, "analyst@example.com", Role.EDITOR)

    response = signed_in(owner).post(
        member_url(team, membership_of(foreign, other)), {"action": "remove"}
    )

    assert response.status_code == 404
    assert membership_of(foreign, other).role == Role.EDITOR


# ---------------------------------------------------------------------- permission matrix


@pytest.mark.parametrize("who", ["editor", "viewer"])
@pytest.mark.parametrize(
    ("target", "data"),
    [
        ("invite", {"role": Role.OWNER}),
        ("member", {"role": Role.OWNER}),
        ("member", {"action": "remove"}),
        ("self", {"role": Role.OWNER}),
    ],
    ids=["invite", "promote", "remove", "promote-self"],
)
def test_editors_and_viewers_cannot_invite_or_change_members(
    who: str,
    target: str,
    data: dict[str, str],
    owner: User,
    editor: User,
    viewer: User,
    team: Team,
) -> None:
    user = {"editor": editor, "viewer": viewer}[who]
    before = roles(team)
    url = {
        "invite": f"/teams/{team.slug}/invite/",
        "member": member_url(team, membership_of(owner, team)),
        "self": member_url(team, membership_of(user, team)),
    }[target]

    response = signed_in(user).post(url, data)

    assert response.status_code == 403
    assert roles(team) == before
    assert Invitation.objects.count() == 0


def team_requests(team: Team, owner: User) -> list[tuple[str, str, dict[str, str]]]:
    member = membership_of(owner, team)
    return [
        ("get", team_url(team), {}),
        ("post", f"/teams/{team.slug}/invite/", {"role": Role.EDITOR}),
        ("post", member_url(team, member), {"role": Role.VIEWER}),
        ("post", member_url(team, member), {"action": "remove"}),
        ("post", f"/teams/{team.slug}/leave/", {}),
        ("get", f"/teams/{team.slug}/assessments/", {}),
    ]


def test_non_members_get_404_on_every_team_url(owner: User, team: Team, outsider: User) -> None:
    client = signed_in(outsider)

    statuses = [
        getattr(client, method)(url, data).status_code
        for method, url, data in team_requests(team, owner)
    ]

    assert statuses == [404] * 6
    assert roles(team) == {"owner@example.com": Role.OWNER}
    assert Invitation.objects.count() == 0


def test_unknown_team_is_404_for_everyone(owner: User) -> None:
    response = signed_in(owner).get("/teams/no-such-team/")

    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in_from_every_team_url(
    owner: User, team: Team
) -> None:
    client = Client()
    requests = [*team_requests(team, owner), ("get", "/teams/", {}), ("post", "/teams/", {})]

    responses = [getattr(client, method)(url, data) for method, url, data in requests]

    assert [(r.status_code, r["Location"]) for r in responses] == [
        (302, f"/accounts/login/?next={url}") for _, url, _ in requests
    ]
    assert roles(team) == {"owner@example.com": Role.OWNER}
    assert Invitation.objects.count() == 0


# ---------------------------------------------------------------------- query counts


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_teams_page_queries_do_not_grow_with_teams(owner: User) -> None:
    client = signed_in(owner)
    create_team(name="First", owner=owner)
    one = count_queries(client, "/teams/")
    for n in range(4):
        create_team(name=f"More {n}", owner=owner)

    several = count_queries(client, "/teams/")

    assert several == one


def test_team_page_queries_do_not_grow_with_members(owner: User, team: Team) -> None:
    client = signed_in(owner)
    one = count_queries(client, team_url(team))
    for n in range(4):
        add_member(team, f"member{n}@example.com", Role.VIEWER)

    several = count_queries(client, team_url(team))

    assert several == one
