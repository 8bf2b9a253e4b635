"""The admin at /admin/: staff only, its sign-in throttled like the site's, records the services
own shown read-only, every list at a constant number of queries, the strict CSP on every page.

The browser test (tests/browser/test_admin.py) shows the pages work under that CSP.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from decider.accounts.models import Invitation, Team, User
from decider.accounts.services import MAX_FAILURES_PER_ACCOUNT, create_team, create_user, invite
from decider.assessments.services import apply_answers, start_assessment
from decider.sharing.services import create_link

PASSWORD = "a long enough test password"
LISTS = (
    "/admin/accounts/user/",
    "/admin/accounts/team/",
    "/admin/accounts/invitation/",
    "/admin/accounts/loginfailure/",
    "/admin/assessments/assessment/",
    "/admin/assessments/revision/",
    "/admin/sharing/sharelink/",
    "/admin/django_tasks_database/dbtaskresult/",
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_user() -> User:
    user = create_user(email="root@example.com", password=PASSWORD, name="Root")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


def team_work(count: int) -> Team:
    """A team with ``count`` assessments, each revised, shared and with an invitation out."""
    owner = create_user(email=f"owner{count}@example.com", password=PASSWORD, name="Olga")
    team = create_team(name=f"Platform {count}", owner=owner)
    for n in range(count):
        assessment = start_assessment(visitor="v", team=team, author=owner, name=f"Bot {n}")
        apply_answers(assessment=assessment, changes={"stage": "production"}, author=owner)
        create_link(assessment=assessment, by=owner, days=7, label=f"reviewer {n}")
        invite(team=team, role="viewer", by=owner)
    return team


def sign_in(client: Client, email: str, password: str) -> Any:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
    )


def test_staff_sign_in_to_the_admin(client: Client, admin_user: User) -> None:
    response = sign_in(client, "root@example.com", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_people_without_staff_status_cannot_sign_in_to_the_admin(client: Client) -> None:
    create_user(email="ada@example.com", password=PASSWORD)

    response = sign_in(client, "ada@example.com", PASSWORD)

    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_admin_sign_in_is_throttled_like_the_sites(client: Client, admin_user: User) -> None:
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        sign_in(client, "root@example.com", "wrong password")

    response = sign_in(client, "root@example.com", PASSWORD)  # right, but too late

    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_admin_sign_in(client: Client) -> None:
    response = client.get("/admin/assessments/assessment/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("path", ["/admin/login/", "/admin/", *LISTS])
def test_admin_pages_carry_the_strict_csp(client: Client, admin_user: User, path: str) -> None:
    team_work(1)
    if path != "/admin/login/":
        client.force_login(admin_user)

    response = client.get(path)

    policy = response["Content-Security-Policy"]
    assert response.status_code == 200
    assert "script-src 'self' 'nonce-" in policy
    assert "style-src 'self';" in policy
    assert "unsafe" not in policy
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", LISTS)
def test_admin_lists_take_the_same_queries_for_one_or_many_rows(
    admin_client: Client, django_assert_num_queries: DjangoAssertNumQueries, path: str
) -> None:
    team_work(1)
    admin_client.get(path)  # warm up: the session, the content types
    with CaptureQueriesContext(connection) as one:
        admin_client.get(path)
    team_work(4)

    with django_assert_num_queries(len(one)):
        response = admin_client.get(path)

    assert response.status_code == 200


def test_assessments_are_read_only_in_the_admin(admin_client: Client) -> None:
    assessment = team_work(1).assessments.get()

    change = admin_client.get(f"/admin/assessments/assessment/{assessment.pk}/change/")
    add = admin_client.get("/admin/assessments/assessment/add/")

    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert "Bot 0" in change.content.decode()
    assert add.status_code == 403


def test_token_hashes_are_not_shown(admin_client: Client) -> None:
    team = team_work(1)
    invitation = Invitation.objects.get(team=team)
    link = team.assessments.get().share_links.get()

    pages = [
        admin_client.get(f"/admin/accounts/invitation/{invitation.pk}/change/"),
        admin_client.get(f"/admin/sharing/sharelink/{link.pk}/change/"),
    ]

    assert [p.status_code for p in pages] == [200, 200]
    assert invitation.token_hash not in pages[0].content.decode()
    assert link.token_hash not in pages[1].content.decode()


def test_users_are_added_by_email(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "username": "new",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="new").email == "new@example.com"
